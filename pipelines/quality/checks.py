"""Great Expectations suites as Dagster asset checks, one per resolved register.

Each check validates the rows about to enter the graph against the suite that lives next to
the register's contract, including the cross-register references its contract declares, and writes Data Docs into the
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

from data_contracts import CONTRACTS
from data_contracts.communities import expectations as communities_x
from data_contracts.evaluations import expectations as evaluations_x
from data_contracts.expectations import Expect, references
from data_contracts.hubs import expectations as hubs_x
from data_contracts.organisations import expectations as organisations_x
from data_contracts.projects import expectations as projects_x
from data_contracts.workers import expectations as workers_x

from ..common.register import RegisterResult
from ..common.resources import SansheResource
from .gx import passed, run_suite

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
    known = {field: set(registers[ref.register].accepted[ref.field]) for field, ref in model.references.items()}
    return [*SUITES[register](), *references(model, known)]


def _check(register: str) -> AssetChecksDefinition:
    @asset_check(asset=f"{register}_resolved", name="expectations",
                 additional_ins={"registers": AssetIn("resolved_registers")},
                 description=f"Great Expectations suite of the {register} register (data_contracts/{register}).")
    def check(sanshe: SansheResource, registers: dict[str, RegisterResult]) -> AssetCheckResult:
        results = run_suite(register, registers[register].accepted, expectations(register, registers),
                            sanshe.settings.data_docs_dir)
        ok, worst = passed(results)
        return AssetCheckResult(
            passed=worst == "ok",
            severity=AssetCheckSeverity.ERROR if not ok else AssetCheckSeverity.WARN,
            metadata={"expectations": len(results), "failed": int((~results["success"]).sum()),
                      "results": MetadataValue.md(results.to_markdown(index=False))},
        )

    return check


expectation_checks = [_check(register) for register in SUITES]
