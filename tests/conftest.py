"""Shared fixtures: one pipeline run on the shipped sample for the whole session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipelines.graph.store import EmbeddedGraphStore
from pipelines.settings import SAMPLE_DIR, Settings
from sanshe.run import RunOutcome, run_pipeline

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> tuple[Settings, RunOutcome]:
    settings = Settings(SAMPLE_DIR, tmp_path_factory.mktemp("run") / "output")
    outcome = run_pipeline(settings)
    assert outcome.success, "the pipeline failed on the shipped sample"
    return settings, outcome


@pytest.fixture(scope="session")
def store(sample_run) -> EmbeddedGraphStore:
    return EmbeddedGraphStore(sample_run[0].graph_path)


@pytest.fixture(scope="session")
def snapshots(sample_run) -> dict[str, pd.DataFrame]:
    """Every accepted row the run wrote (OUTPUT/tables), one per key and snapshot (`asof`):
    the oracles' input. Derived histories (`x__y.parquet`) are left out on purpose."""
    folder = sample_run[0].tables_dir
    return {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet")) if "__" not in p.stem}


def as_of(frame: pd.DataFrame, key: list[str], day) -> pd.DataFrame:
    """The register as the data team knew it on `day`: per key, the latest accepted line from a
    snapshot dated on or before that day."""
    known = frame[frame["asof"] <= day].sort_values("asof", kind="stable")
    return known.drop_duplicates(key, keep="last").reset_index(drop=True)


@pytest.fixture(scope="session")
def tables(snapshots) -> dict[str, pd.DataFrame]:
    """The current view: per key, its latest accepted line."""
    from data_contracts import CONTRACTS

    return {name: as_of(df, list(CONTRACTS[name].key), df["asof"].max()) for name, df in snapshots.items()}


@pytest.fixture
def inbox(tmp_path) -> Path:
    """A writable copy of the sample inbox, for tests that damage files."""
    dst = tmp_path / "inbox"
    shutil.copytree(SAMPLE_DIR, dst)
    return dst
