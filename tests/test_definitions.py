"""The Dagster definitions load and the asset graph is the one we expect."""

import dagster as dg

from data_contracts import CONTRACTS
from pipelines.common.resolve import waited_on
from pipelines.definitions import JOB_NAME, defs


def test_definitions_load_and_job_exists():
    assert defs.resolve_job_def(JOB_NAME) is not None


def test_every_register_has_read_validate_resolve_and_a_check():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    for reg in CONTRACTS:
        assert {f"{reg}_raw", f"{reg}_validated", f"{reg}_resolved"} <= keys
        assert (f"{reg}_resolved", "expectations") in checks
    assert {"resolved_registers", "quarantine_report", "accepted_tables", "graph"} <= keys
    assert ("quarantine_report", "accounting_adds_up") in checks


def test_lineage_runs_from_sources_to_the_graph():
    graph = defs.resolve_asset_graph()
    up = graph.get(dg.AssetKey("graph")).parent_keys
    assert up == {dg.AssetKey("resolved_registers"), dg.AssetKey("graph_changes")}
    # the load decided ahead reads each register, not resolved_registers: the blocking check on
    # that one would hold it until every suite is validated
    ahead = graph.get(dg.AssetKey("graph_changes")).parent_keys
    assert ahead == {dg.AssetKey(f"{r}_resolved") for r in CONTRACTS}
    evaluations = graph.get(dg.AssetKey("evaluations_resolved")).parent_keys
    assert dg.AssetKey("projects_resolved") in evaluations


def test_asset_descriptions_state_their_grain():
    for spec in defs.resolve_all_asset_specs():
        assert spec.description and ("One row per" in spec.description or "One " in spec.description), spec.key
        assert spec.group_name != "default", spec.key


def _priority(key: str) -> int:
    return int(defs.resolve_assets_def(key).op.tags.get("dagster/priority", 0))


def test_a_register_others_wait_for_is_read_checked_and_resolved_first():
    """A register's three steps are ranked no lower than those of every register whose contract
    refers to it (register_tags), strictly down the chain the projects suite waits for; and
    `waited_on` is closed under references: what waits for a register's referrer waits for
    the register too."""
    for reg, model in CONTRACTS.items():
        ranks = {_priority(f"{reg}_{stage}") for stage in ("raw", "validated", "resolved")}
        assert len(ranks) == 1, reg  # one rank for the register's three steps
        for ref in {r.register for r in model.references.values()} - {reg}:
            # equal where two wait for each other (hubs and hub_memberships: READS_CHECKED)
            assert _priority(f"{ref}_resolved") >= _priority(f"{reg}_resolved"), (ref, reg)
            assert {reg, *waited_on(reg)} - {ref} <= set(waited_on(ref)), (ref, reg)
    chain = ["communities", "organisations", "workers", "projects", "evaluations"]
    assert [_priority(f"{r}_resolved") for r in chain] == sorted(
        (_priority(f"{r}_resolved") for r in chain), reverse=True
    )
    assert len({_priority(f"{r}_resolved") for r in chain}) == len(chain)  # strictly, down the chain
    assert waited_on("evaluations") == []  # nothing refers to evaluations
    assert "communities" not in waited_on("communities")  # a register does not wait for itself


def test_every_register_a_step_reads_is_ranked_for_it():
    """Read from the asset graph itself: a register's step that takes another register's asset
    as input is among those `waited_on` that register, so it never ranks above what it waits
    for (hubs_resolved takes hub_memberships_validated, which no contract reference says)."""
    graph = defs.resolve_asset_graph()
    stages = ("raw", "validated", "resolved")
    for reg in CONTRACTS:
        for stage in stages:
            for parent in graph.get(dg.AssetKey(f"{reg}_{stage}")).parent_keys:
                other = next((r for r in CONTRACTS for st in stages if parent.to_user_string() == f"{r}_{st}"), None)
                if other is not None and other != reg:
                    assert reg in waited_on(other), (reg, stage, parent)
                    assert _priority(parent.to_user_string()) >= _priority(f"{reg}_{stage}"), (reg, stage, parent)
