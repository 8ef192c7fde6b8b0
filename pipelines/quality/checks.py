"""Great Expectations suites as Dagster asset checks, one per resolved register.

Each check validates the rows about to enter the graph against the suite that lives next to
the register's contract, including cross-register references, and writes Data Docs into the
run's output folder. A failed `error` expectation fails the check; `warn` ones only warn.
"""


from collections.abc import Callable

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetIn,
    MetadataValue,
    asset_check,
)

from data_contracts.communities import expectations as communities_x
from data_contracts.evaluations import expectations as evaluations_x
from data_contracts.hubs import expectations as hubs_x
from data_contracts.organisations import expectations as organisations_x
from data_contracts.projects import expectations as projects_x
from data_contracts.workers import expectations as workers_x

from ..common.register import RegisterResult
from ..common.resources import SansheResource
from .gx import passed, run_suite

#: register -> (suite, {reference name: (resolved register, key field)})
SUITES: dict[str, tuple[Callable, dict[str, tuple[str, str]]]] = {
    "communities": (communities_x.suite, {}),
    "district_changes": (communities_x.change_suite, {"streets": ("communities", "street_code")}),
    "organisations": (organisations_x.suite, {"streets": ("communities", "street_code")}),
    "annual_inspections": (organisations_x.inspection_suite, {"organisations": ("organisations", "uscc")}),
    "hubs": (hubs_x.suite, {"streets": ("communities", "street_code"), "hubs": ("hubs", "hub_id")}),
    "hub_memberships": (hubs_x.membership_suite, {"organisations": ("organisations", "uscc"),
                                                  "hubs": ("hubs", "hub_id")}),
    "workers": (workers_x.suite, {"organisations": ("organisations", "uscc")}),
    "projects": (projects_x.suite, {"organisations": ("organisations", "uscc")}),
    "evaluations": (evaluations_x.suite, {"projects": ("projects", "project_id")}),
}


def _check(register: str) -> AssetChecksDefinition:
    suite, refs = SUITES[register]

    @asset_check(asset=f"{register}_resolved", name="expectations",
                 additional_ins={"registers": AssetIn("resolved_registers")},
                 description=f"Great Expectations suite of the {register} register (data_contracts/{register}).")
    def check(sanshe: SansheResource, registers: dict[str, RegisterResult]) -> AssetCheckResult:
        known = {name: set(registers[reg].accepted[field]) for name, (reg, field) in refs.items()}
        results = run_suite(register, registers[register].accepted, suite(known), sanshe.settings.data_docs_dir)
        ok, worst = passed(results)
        return AssetCheckResult(
            passed=worst == "ok",
            severity=AssetCheckSeverity.ERROR if not ok else AssetCheckSeverity.WARN,
            metadata={"expectations": len(results), "failed": int((~results["success"]).sum()),
                      "reason": failure_reason(results),
                      "results": MetadataValue.md(results.to_markdown(index=False))},
        )

    return check


def failure_reason(results) -> str:
    """What failed, for the terminal and run_summary.json: each failed expectation with its
    column, severity and how many values broke it ("" when all passed)."""
    failed = results[~results["success"]]
    return "; ".join(f"{e}({c}) {sev}: {n} unexpected" if n else f"{e}({c}) {sev}"
                     for e, c, sev, n in zip(failed["expectation"], failed["column"], failed["severity"],
                                             failed["unexpected"], strict=True))


expectation_checks = [_check(register) for register in SUITES]
