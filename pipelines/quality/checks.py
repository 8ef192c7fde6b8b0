"""Great Expectations suites as Dagster asset checks, one per resolved register.

Each check validates the rows about to enter the graph against the suite that lives next to
the register's contract, including the cross-register references its contract declares; the
run's Data Docs are built once, after the last check (gx.DataDocsResource). A failed `error`
expectation fails the check, which blocks the graph load (Dagster's blocking checks); `warning`
ones only warn.
"""

import inspect
from collections.abc import Callable
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetIn,
    MetadataValue,
    asset_check,
)

from data_contracts import CONTRACTS
from data_contracts.communities import expectations as communities_x
from data_contracts.evaluations import expectations as evaluations_x
from data_contracts.expectations import Expect, references
from data_contracts.hubs import expectations as hubs_x
from data_contracts.organisations import expectations as organisations_x
from data_contracts.projects import expectations as projects_x
from data_contracts.workers import expectations as workers_x

from ..common.register import RegisterResult
from ..common.resolve import keys
from .gx import DataDocsResource, passed, run_suite

#: register -> its suite; the references each contract declares are added to it
SUITES: dict[str, Callable[[], list[Expect]]] = {
    "communities": communities_x.suite,
    "district_changes": communities_x.change_suite,
    "organisations": organisations_x.suite,
    "annual_inspections": organisations_x.inspection_suite,
    "hubs": hubs_x.suite,
    "hub_memberships": hubs_x.membership_suite,
    "workers": workers_x.suite,
    "projects": projects_x.suite,
    "evaluations": evaluations_x.suite,
}


def expectations(register: str, registers: dict[str, RegisterResult]) -> list[Expect]:
    """The register's suite with one `refers_to` per reference its contract declares, against
    the keys the referenced register accepted."""
    model = CONTRACTS[register]
    known = {field: keys(registers[ref.register], ref.field) for field, ref in model.references.items()}
    return [*SUITES[register](), *references(model, known)]


def _check(register: str) -> AssetChecksDefinition:
    # Only the registers this suite refers to, never the fan-in of all registers: the check must
    # sit between its register and what depends on it, so that a blocking failure stops the
    # graph load instead of being reported after it.
    others = sorted({ref.register for ref in CONTRACTS[register].references.values()} - {register})

    def check(data_docs: DataDocsResource, **registers: RegisterResult) -> AssetCheckResult:
        registers = {register if k == f"{register}_resolved" else k: v for k, v in registers.items()}
        results = run_suite(
            register, registers[register].accepted, expectations(register, registers), Path(data_docs.docs_dir)
        )
        ok, worst = passed(results)
        failed = results[~results["success"]]
        return AssetCheckResult(
            passed=worst == "ok",
            severity=AssetCheckSeverity.ERROR if not ok else AssetCheckSeverity.WARN,
            description=failure_reason(results) or None,
            metadata={
                "expectations": len(results),
                "failed": len(failed),
                "results": MetadataValue.md(results.to_markdown(index=False)),
            },
        )

    # Dagster reads a check's inputs from its parameters; these differ per register.
    named = [f"{register}_resolved", *others]
    check.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("data_docs", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=DataDocsResource)]
        + [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in named]
    )
    return asset_check(
        asset=f"{register}_resolved",
        name="expectations",
        blocking=True,
        additional_ins={reg: AssetIn(f"{reg}_resolved") for reg in others},
        description=f"Great Expectations suite of the {register} register "
        f"(data_contracts/{register}); an error-level failure stops the graph load.",
    )(check)


def failure_reason(results) -> str:
    """What failed, for the terminal and run_summary.json: each failed expectation with its
    column, severity and how many values broke it ("" when all passed)."""
    failed = results[~results["success"]]
    return "; ".join(
        f"{e}({c}) {sev}: {n} unexpected" if n else f"{e}({c}) {sev}"
        for e, c, sev, n in zip(
            failed["expectation"], failed["column"], failed["severity"], failed["unexpected"], strict=True
        )
    )


expectation_checks = [_check(register) for register in SUITES]
