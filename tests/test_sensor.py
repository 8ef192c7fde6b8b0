"""The inbox sensor: it asks for nothing when nothing changed, for only what depends on a changed
file otherwise, and the partial run it asks for gives the same graph as a full run."""

from __future__ import annotations

import csv

from dagster import AssetKey, DagsterInstance, RunRequest, SkipReason, build_sensor_context

from data_contracts import CONTRACTS
from data_contracts.identifiers import find_personal
from pipelines.common.resources import SansheResource
from pipelines.definitions import ASSETS, JOB_NAME, build_definitions
from pipelines.graph import assets as graph_assets
from pipelines.graph.store import EmbeddedGraphStore
from pipelines.quality import ahead
from pipelines.sensors import inbox_sensor, plan
from pipelines.settings import Settings
from sanshe.run import run_pipeline


def _tick(settings: Settings, cursor: str | None):
    # entered, as Dagster's daemon enters it: the resource has a teardown (its run lock)
    with build_sensor_context(
        cursor=cursor,
        resources={"sanshe": SansheResource.from_settings(settings)},
        definitions=build_definitions(settings),
    ) as ctx:
        return inbox_sensor(ctx), ctx.cursor


def _names(request: RunRequest) -> set[str]:
    return {k.to_user_string() for k in request.asset_selection}


def test_a_changed_register_selects_only_what_depends_on_it():
    keys = {k.to_user_string() for k in plan(["evaluations"], ASSETS)}
    assert {"evaluations_raw", "evaluations_validated", "evaluations_resolved", "resolved_registers", "graph"} <= keys
    assert not {"organisations_raw", "projects_raw", "workers_resolved", "communities_resolved"} & keys
    # projects feed evaluations: a change of projects re-runs both, with their own read steps
    keys = {k.to_user_string() for k in plan(["projects"], ASSETS)}
    assert {"projects_raw", "projects_resolved", "evaluations_raw", "evaluations_resolved"} <= keys
    assert "organisations_raw" not in keys
    # a decision about provider matches re-resolves projects
    assert "projects_resolved" in {k.to_user_string() for k in plan(["decisions"], ASSETS)}
    assert len(plan(["manifest"], ASSETS)) == len(plan([], ASSETS, first_run=True))


def test_sensor_runs_changed_parts_and_gets_the_graph_of_a_full_run(inbox, tmp_path, monkeypatch):
    # two workers, whatever the machine: the suites are validated in forked children
    settings = Settings(inbox, tmp_path / "out", workers=2)
    # in what order the suites are offered and the graph's changes built (see the partial run)
    events: list[str] = []
    real_offer, real_prepare = ahead.offer, graph_assets.prepare

    def offer(run_id, register, *args, **kwargs):
        events.append(register)
        real_offer(run_id, register, *args, **kwargs)

    def prepare(*args, **kwargs):
        events.append("graph_changes")
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(ahead, "offer", offer)
    monkeypatch.setattr(graph_assets, "prepare", prepare)

    first, cursor = _tick(settings, None)
    assert isinstance(first, RunRequest) and AssetKey("organisations_raw") in first.asset_selection
    again, _ = _tick(settings, cursor)
    assert isinstance(again, SkipReason)

    defs = build_definitions(settings)
    job = defs.resolve_job_def(JOB_NAME)
    with DagsterInstance.ephemeral() as instance:
        assert job.execute_in_process(instance=instance, asset_selection=first.asset_selection).success
        # a corrected evaluations register arrives: 30 evaluations withdrawn
        path = inbox / "evaluations" / "evaluations.csv"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(lines[:-30]), encoding="utf-8")
        partial, _ = _tick(settings, cursor)
        written = {p.name: p.stat().st_mtime_ns for p in settings.tables_dir.glob("*.parquet")}
        assert isinstance(partial, RunRequest)
        assert "evaluations_raw" in _names(partial) and "organisations_raw" not in _names(partial)
        events.clear()
        result = job.execute_in_process(instance=instance, asset_selection=partial.asset_selection)
        assert result.success
        # the graph step built only the part reading evaluations (pipelines/graph/incremental.py),
        # ahead, in graph_changes: the load it carried out was that one
        graph = result.asset_materializations_for_node("graph")[0].metadata
        assert graph["parts_built"].value == ["evaluations"] and graph["built_ahead"].value is True
        changes_meta = result.asset_materializations_for_node("graph_changes")[0].metadata
        assert changes_meta["parts_built"].value == ["evaluations"]
        # the Evaluation table, 30 rows fewer, is copied again in a copy of the graph file: the
        # one started with the run (pipelines/graph/file_copy.py), taken, none left behind
        assert changes_meta["file_copy_from_run_start"].value is True
        assert not list(settings.output_dir.glob(".load-*"))
        # the evaluations suite, whose references were loaded from storage, not resolved in this
        # run, was offered once resolved_registers was made: validated while graph_changes built
        assert events == ["evaluations", "graph_changes"]
        # and the accepted tables of the registers it loaded from their stored copies stay as written
        kept = result.asset_materializations_for_node("accepted_tables")[0].metadata["registers_kept"].value
        assert sorted(kept) == sorted(set(CONTRACTS) - {"evaluations"})
        again = {p.name: p.stat().st_mtime_ns for p in settings.tables_dir.glob("*.parquet")}
        assert sorted(again) == sorted(written)
        assert {n for n in written if again[n] != written[n]} == {
            n for n in written if n.split("__")[0].removesuffix(".parquet") == "evaluations"
        }

    full = Settings(inbox, tmp_path / "full")
    assert run_pipeline(full).success
    assert EmbeddedGraphStore(settings.graph_path).fingerprint() == EmbeddedGraphStore(full.graph_path).fingerprint()
    # the tables of the partial run, kept or written again, are the full run's byte for byte
    tables = sorted(p.name for p in full.tables_dir.iterdir())
    assert sorted(p.name for p in settings.tables_dir.iterdir()) == tables
    for name in tables:
        assert (settings.tables_dir / name).read_bytes() == (full.tables_dir / name).read_bytes(), name

    # what was stored between runs holds nobody's name, ID number or phone
    with (inbox / "workers" / "social_workers.csv").open(encoding="utf-8", newline="") as fh:
        names = {r["姓名"] for r in csv.DictReader(fh)}
    stored = [p for p in (settings.output_dir / "dagster_storage").rglob("*") if p.is_file()]
    assert stored
    for p in stored:
        text = p.read_bytes().decode("utf-8", "ignore")
        assert not find_personal(text), p
        assert not [n for n in names if n in text], p


def test_accepted_tables_keep_only_files_the_state_vouches_for(tmp_path):
    """The state beside the stored copies (`accepted_tables.json`) keeps a register's files only
    when it names the run that made the register given now and every file is there; anything
    else in it, a hand-edited count included, means writing the register again."""
    from pipelines.quality.assets import _unchanged

    (tmp_path / "projects.parquet").write_bytes(b"")
    (tmp_path / "hubs.parquet").write_bytes(b"")
    state = {
        "projects": {"run": "r1", "tables": {"projects": 3}},
        "hubs": {"run": "r1", "tables": {"hubs": "3"}},  # not a count
        "workers": {"run": "r1", "tables": {"workers": 2}},  # no file
        "communities": {"run": "r0", "tables": {"communities": 1}},  # another run's
        "evaluations": ["r1"],
    }
    origins = {"projects": "r1", "hubs": "r1", "workers": "r1", "communities": "r1", "evaluations": "r1", "x": None}
    assert _unchanged(state, origins, tmp_path) == {"projects": {"projects": 3}}


def test_a_change_reaching_most_parts_streams_the_load_in_the_sensors_run(inbox, tmp_path):
    """A changed organisations register feeds most parts of the graph (more than
    incremental.HELD_SHARE_MAX of the rows they read): graph_changes builds nothing ahead and
    says the load streams, and `graph` builds every part into a new store as a first run does,
    with the graph of a full run."""
    settings = Settings(inbox, tmp_path / "out", workers=2)
    first, cursor = _tick(settings, None)
    job = build_definitions(settings).resolve_job_def(JOB_NAME)
    with DagsterInstance.ephemeral() as instance:
        assert job.execute_in_process(instance=instance, asset_selection=first.asset_selection).success
        path = inbox / "organisations" / "organisations.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        at = rows[0].index("登记管理机关")
        for row in rows[1::10]:
            row[at] += "（新）"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
        partial, _ = _tick(settings, cursor)
        assert isinstance(partial, RunRequest) and "organisations_raw" in _names(partial)
        result = job.execute_in_process(instance=instance, asset_selection=partial.asset_selection)
        assert result.success
        ahead_meta = result.asset_materializations_for_node("graph_changes")[0].metadata
        assert ahead_meta["load_streams"].value is True and ahead_meta["parts_built"].value == []
        # the copy of the graph file started with the run is of no use to a streamed load: removed
        assert ahead_meta["file_copy_from_run_start"].value is False
        assert not list(settings.output_dir.glob(".load-*"))
        graph = result.asset_materializations_for_node("graph")[0].metadata
        assert graph["load"].value == "full" and graph["built_ahead"].value is False
    full = Settings(inbox, tmp_path / "full")
    assert run_pipeline(full).success
    assert EmbeddedGraphStore(settings.graph_path).fingerprint() == EmbeddedGraphStore(full.graph_path).fingerprint()
