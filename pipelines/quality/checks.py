"""Great Expectations suites as Dagster asset checks, one per resolved register, and the check
that stops the graph load when one fails.

Each register's suite validates the rows about to enter the graph against the suite that lives
next to the register's contract, including the cross-register references its contract
declares. It is validated ahead, in a forked child, as soon as the register and the registers
it refers to are resolved (ahead.py; `validate_ahead`, a hook on every step of the job), while
the run resolves the registers after it; the register's check reports the outcome, late in the
run (its steps have the lowest priority, so they never wait for a child while a register could
be resolved). The blocking check on resolved_registers takes the outcome of every suite of a
register the run resolved: a failed `error` expectation fails it, which stops the graph load
(and the reports after it); `warning` ones only warn. The run's Data Docs are built once, when
the run ends (ahead.DataDocsResource).
"""

import inspect
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetIn,
    HookContext,
    MetadataValue,
    asset_check,
    success_hook,
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
from ..common.resources import PUBLIC_IO, register_origins
from . import ahead
from .ahead import DataDocsResource
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
    known = {field: keys(registers[ref.register], ref.field) for field, ref in model.references.items()}
    return [*SUITES[register](), *references(model, known)]


def _referred(register: str) -> list[str]:
    """The other registers the register's contract refers to."""
    return sorted({ref.register for ref in CONTRACTS[register].references.values()} - {register})


def validation(register: str, registers: dict, docs_dir: Path) -> Callable[[], pd.DataFrame]:
    """Validating the register's accepted rows against its suite (`run_suite`, looked up when
    called: tests replace it), in whichever process calls it; `registers` holds it and the
    registers it refers to."""
    frame, suite = registers[register].accepted, expectations(register, registers)
    return lambda: run_suite(register, frame, suite, docs_dir)


def _result(results: pd.DataFrame) -> AssetCheckResult:
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


#: Dagster's step priority (higher first among the steps ready to run): a register's check only
#: reports its suite's outcome, so it runs once nothing else can
LAST = {"dagster/priority": "-1"}


def _check(register: str) -> AssetChecksDefinition:
    others = _referred(register)

    def check(context: AssetCheckExecutionContext, data_docs: DataDocsResource, **registers) -> AssetCheckResult:
        registers = {register if k == f"{register}_resolved" else k: v for k, v in registers.items()}
        results = ahead.results(context.op_execution_context.run_id, register)
        if results is None:  # not offered in this run (a job without the hook)
            results = validation(register, registers, Path(data_docs.docs_dir))()
        return _result(results)

    # Dagster reads a check's inputs from its parameters; these differ per register.
    named = [f"{register}_resolved", *others]
    check.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                "context", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=AssetCheckExecutionContext
            ),
            inspect.Parameter("data_docs", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=DataDocsResource),
        ]
        + [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in named]
    )
    return asset_check(
        asset=f"{register}_resolved",
        name="expectations",
        additional_ins={reg: AssetIn(f"{reg}_resolved") for reg in others},
        op_tags=LAST,
        description=f"Great Expectations suite of the {register} register "
        f"(data_contracts/{register}); an error-level failure stops the graph load "
        "(resolved_registers' expectations check).",
    )(check)


@success_hook(name="validate_ahead", required_resource_keys={"data_docs", "sanshe", PUBLIC_IO})
def validate_ahead(context: HookContext) -> None:
    """After each step of the run: once a register and the registers it refers to are resolved,
    its suite is offered to be validated ahead (ahead.offer); once resolved_registers is made,
    so is each suite still to validate (a partial run's register whose references were loaded
    from an earlier run's storage, not resolved in this run); a child that has ended is taken and
    the next suite started (ahead.advance)."""
    docs, fork = Path(context.resources.data_docs.docs_dir), context.resources.sanshe.settings.forks
    if context.step_key == "resolved_registers":
        # a partial run's suite: validated alone, this process need not load Great Expectations
        _offer_made(context, dict(context.op_output_values["result"]), docs, fork, alone=True)
    register = context.step_key.removesuffix("_resolved")
    if register != context.step_key and register in SUITES:
        done = ahead.resolved(context.run_id, register, context.op_output_values["result"])
        for name in SUITES:  # this one, and any waiting for this one to be resolved
            ready = name in done and set(_referred(name)) <= done.keys()
            if ready and not ahead.offered(context.run_id, name):
                ahead.offer(context.run_id, name, docs, validation(name, done, docs), fork)
    ahead.advance(context.run_id)


def _offer_made(context, registers: dict, docs: Path, fork: bool, alone: bool = False) -> list[str]:
    """Offer the suite of each register of `registers` (resolved_registers) that this run made,
    unless offered already (`alone`: ahead.offer's); returns those registers. A partial run's
    registers loaded from an earlier run were checked in that run. `context`: the step's or
    hook's (it has the PUBLIC_IO resource: `register_origins`)."""
    origins = register_origins(context, registers)
    made = [r for r in SUITES if r in registers and origins[r] in (None, context.run_id)]
    todo = [name for name in made if not ahead.offered(context.run_id, name)]
    for name in todo:
        # alone only when one suite: two children rendering pages would leave Great
        # Expectations' own index listing the last one's results only
        offered_alone = alone and len(todo) == 1
        ahead.offer(context.run_id, name, docs, validation(name, registers, docs), fork, alone=offered_alone)
    return made


@asset_check(
    asset="resolved_registers",
    name="expectations_passed",
    blocking=True,
    # which run made each register (`register_origins`): a resource asked for by key, since
    # Dagster takes no resource both as a key and as a typed parameter
    required_resource_keys={"data_docs", "sanshe", PUBLIC_IO},
    description="Every register the run resolved passed its Great Expectations suite's error-level "
    "expectations (each register's expectations check has the details); a failure stops the graph load.",
)
def suites_passed(context: AssetCheckExecutionContext, resolved_registers: dict) -> AssetCheckResult:
    run, docs = context.op_execution_context.run_id, Path(context.resources.data_docs.docs_dir)
    # offered by the job's hook (validate_ahead); here too for a job without it
    now = _offer_made(context.op_execution_context, resolved_registers, docs, context.resources.sanshe.settings.forks)
    outcomes = ahead.every_result(run)
    failed = {r: failure_reason(outcomes[r]) for r in now if not passed(outcomes[r])[0]}
    return AssetCheckResult(
        passed=not failed,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(f"{r}: {why}" for r, why in failed.items()) or None,
        metadata={"suites": len(now), "failed": MetadataValue.json(sorted(failed))},
    )


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


expectation_checks = [*(_check(register) for register in SUITES), suites_passed]
