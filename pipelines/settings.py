"""Where sanshe reads and writes, from environment variables under one prefix (SANSHE_).

| variable | default | meaning |
|---|---|---|
| SANSHE_SOURCE_DIR | the shipped sample, data/sample | the inbox: one folder per source |
| SANSHE_OUTPUT_DIR | ./output | graph, tables, quarantine report, Data Docs |
| SANSHE_GRAPH | embedded | graph store: `embedded` (ladybug, no server) or `neo4j` |
| SANSHE_NEO4J_BATCH_SIZE | 5000 | rows per write transaction when loading Neo4j |
| SANSHE_WORKERS | the CPUs the process may use | processes that check a long file's rows, write the accepted tables and the stored copies, and validate the suites ahead (1: this process alone) |

With SANSHE_GRAPH=neo4j, the connection comes from NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD and
NEO4J_DATABASE (see docs/neo4j.md); credentials are never written to logs or outputs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from data_contracts.errors import ConfigurationError
from data_contracts.forked import available_cpus

ENV_PREFIX = "SANSHE_"
GRAPHS = ("embedded", "neo4j")
REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_ROOT / "data" / "sample"


@dataclass(frozen=True)
class Settings:
    source_dir: Path
    output_dir: Path
    graph: str = "embedded"
    #: processes that share a long file's contract checks and the writing of the accepted
    #: tables (data_contracts/forked.py); with more than one, the stored copies of the resolved
    #: registers are written by forked children (pipelines/common/handover.py), and so are the
    #: expectation suites validated (pipelines/quality/ahead.py)
    workers: int = field(default_factory=available_cpus)

    @classmethod
    def from_env(cls, **overrides: str | Path | None) -> Settings:
        env = os.environ
        values: dict[str, str | Path] = {
            "source_dir": Path(env.get(ENV_PREFIX + "SOURCE_DIR", SAMPLE_DIR)),
            "output_dir": Path(env.get(ENV_PREFIX + "OUTPUT_DIR", Path.cwd() / "output")),
            "graph": env.get(ENV_PREFIX + "GRAPH", "embedded"),
            "workers": env.get(ENV_PREFIX + "WORKERS", str(available_cpus())),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        workers = str(values["workers"]).strip()
        if not re.fullmatch(r"[0-9]+", workers) or int(workers) < 1:
            raise ConfigurationError(f"SANSHE_WORKERS={workers!r}: give a whole number of processes, 1 or more")
        s = cls(
            Path(values["source_dir"]).resolve(),
            Path(values["output_dir"]).resolve(),
            str(values["graph"]),
            int(workers),
        )
        if s.graph not in GRAPHS:
            raise ConfigurationError(f"SANSHE_GRAPH={s.graph!r}: choose one of {', '.join(GRAPHS)}")
        return s

    @property
    def forks(self) -> bool:
        """Whether work the run does not wait for goes to forked children (the stored copies,
        the suites validated ahead): with one worker, everything stays in the run's process."""
        return self.workers > 1

    @property
    def graph_path(self) -> Path:
        return self.output_dir / "graph.lbug"

    @property
    def tables_dir(self) -> Path:
        return self.output_dir / "tables"

    @property
    def storage_dir(self) -> Path:
        """What runs keep for later runs and nobody else reads: the stored resolved registers
        (pipelines/common/handover.py), which of them OUTPUT/tables was written from
        (`accepted_tables.json`) and the digests of the graph's inputs (`graph_input_digests.json`)."""
        return self.output_dir / "dagster_storage"

    @property
    def quarantine_dir(self) -> Path:
        return self.output_dir / "quarantine"

    @property
    def data_docs_dir(self) -> Path:
        return self.output_dir / "data_docs"

    @property
    def dagster_home(self) -> Path:
        """The Dagster instance a run records itself in; `sanshe ui` (or `dagster dev` with
        DAGSTER_HOME set to it) shows those runs."""
        return self.output_dir / "dagster_home"
