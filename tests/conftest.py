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
SHARED = REPO.parent / "shared"


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
def tables(sample_run) -> dict[str, pd.DataFrame]:
    """The validated, resolved tables the run wrote: the oracle's input."""
    folder = sample_run[0].tables_dir
    return {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


@pytest.fixture
def inbox(tmp_path) -> Path:
    """A writable copy of the sample inbox, for tests that damage files."""
    dst = tmp_path / "inbox"
    shutil.copytree(SAMPLE_DIR, dst)
    return dst
