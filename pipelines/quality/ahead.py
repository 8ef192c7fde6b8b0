"""Great Expectations suites validated ahead of their checks, in a forked child, while the run
goes on: a register's suite starts as soon as the register and the registers it refers to are
resolved, and its check (checks.py) takes the outcome.

Why: at national scale the nine suites took 17 s of the run on one core, each between its
register and the registers resolved after it (their checks were Dagster blocking checks), while
the machine's other core was mostly idle. Dagster's multiprocess executor would pickle the raw
and validated registers, which hold personal data and pass in memory by design; a forked child
starts with the run's memory as it is (nothing is pickled on the way in, only the outcome on the
way out: data_contracts/forked.py). The Data Docs are still rendered once, in the run's process,
from the outcomes handed over (gx.adopt); but a partial run's suite, offered once
resolved_registers is made with Great Expectations not loaded in the run's process, is
validated alone: its child loads the library, renders the suite's pages and hands over the
result rows only, and the run's process need not load it (`offer`'s `alone`; one suite only,
so that one context renders a run's pages).

One child at a time, the others waiting their turn: each holds its register's batch as Great
Expectations sees it (lists joined into text, dates converted) beside the run's memory.

What stops the graph load when an error-level expectation fails is the blocking check on
resolved_registers (checks.py), which takes the outcome of every suite the run validates.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from dagster import ConfigurableResource, InitResourceContext

from data_contracts.forked import Forked, can_fork

from . import gx

log = logging.getLogger(__name__)


@dataclass
class _Suite:
    """One register's suite in a run: how to validate it (`validate`: `gx.run_suite` with its
    arguments, in whatever process calls it), its child once started, its result rows once
    taken."""

    register: str
    docs_dir: Path
    validate: Callable[[], pd.DataFrame] | None
    #: False: validated in the run's process (SANSHE_WORKERS=1), when its results are asked for
    fork: bool = True
    child: Forked[gx.Outcome | pd.DataFrame] | None = None
    results: pd.DataFrame | None = None
    #: what validating raised in the child, raised again where the results are asked for
    error: Exception | None = None
    #: the child renders the suite's Data Docs pages itself and hands over the result rows
    #: alone, so this process needs no Great Expectations for it (`offer`'s `alone`)
    alone: bool = False

    def handed_over(self) -> gx.Outcome | pd.DataFrame:
        """Run in the child: validate, then what the parent's context needs of it (the result
        rows alone once the pages are rendered here, when `alone`)."""
        assert self.validate is not None
        if self.alone:
            results = self.validate()
            try:
                gx.build_docs(self.docs_dir)
            except Exception as err:  # the pages are not the check: a failure here stops nothing
                log.warning("the Data Docs pages of the %s suite were not rendered: %s", self.register, err)
            return results
        return gx.outcome(self.register, self.docs_dir, self.validate())

    def here(self) -> None:
        """Validate in this process."""
        assert self.validate is not None
        self.done(self.validate())

    def done(self, results: pd.DataFrame) -> None:
        """Keep the result rows only: the frame and the key sets of the references (hundreds of
        MB at national scale) are let go before the graph load, where the run peaks."""
        self.results, self.validate, self.child = results, None, None

    def failed(self, err: Exception) -> None:
        self.error, self.validate, self.child = err, None, None

    @property
    def waiting(self) -> bool:
        return self.child is None and self.results is None and self.error is None

    def outcome(self) -> pd.DataFrame:
        """The result rows once taken; raises what validating raised."""
        if self.error is not None:
            raise self.error
        assert self.results is not None
        return self.results


#: the child's CPU priority below the run's (nice(2)): the run's own steps go first, and the
#: stored copies' writers (handover.WRITER_NICE) after it
CHILD_NICE = 5

#: run id -> register -> its suite, in the order offered
_RUNS: dict[str, dict[str, _Suite]] = {}


def offer(
    run_id: str,
    register: str,
    docs_dir: Path,
    validate: Callable[[], pd.DataFrame],
    fork: bool = True,
    alone: bool = False,
) -> None:
    """Have the register's suite validated by `validate()` (which returns `gx.run_suite`'s result
    rows) in a forked child: started now when no other suite of the run is, else by a later
    `advance` or `results`; with `fork` False (SANSHE_WORKERS=1) or where the run cannot fork
    (`can_fork`), in this process when its results are asked for. Offering a register again in
    the same run does nothing.

    Great Expectations is loaded here before the child is forked, once, so that every child
    starts with it, and the child's validation is taken into this process's context for the
    run's Data Docs. With `alone`, when this process has not loaded it (a partial run's one
    suite, offered once resolved_registers is made), the child loads it, validates and renders
    the suite's pages itself, and hands over the result rows alone: this process need not load
    it, where loading it took 2.6 s of a national partial run with nothing else running (it
    still does if the child dies and the suite is validated here)."""
    suites = _RUNS.setdefault(run_id, {})
    if register in suites:
        return
    fork = fork and can_fork()
    alone = fork and alone and not gx.loaded(docs_dir)
    if fork and not alone:
        gx.ready(docs_dir)  # Great Expectations loaded once, here, not in each child
    suites[register] = _Suite(register, docs_dir, validate, fork, alone=alone)
    advance(run_id)


def offered(run_id: str, register: str) -> bool:
    return register in _RUNS.get(run_id, {})


def states(run_id: str) -> dict[str, str]:
    """Where each suite offered in the run is: "waiting", "in a child", "taken" or "failed"."""
    return {
        register: "taken"
        if s.results is not None
        else "failed"
        if s.error is not None
        else "waiting"
        if s.child is None
        else "in a child"
        for register, s in _RUNS.get(run_id, {}).items()
    }


def advance(run_id: str) -> None:
    """Take the outcome of the run's child that has ended, and start the next suite waiting when
    none is being validated. Never waits, never raises what validating raised (kept for
    `results`)."""
    suites = _RUNS.get(run_id, {}).values()
    for suite in suites:
        if suite.child is not None:
            if not suite.child.done():
                return  # one at a time
            _take(suite)
    waiting = next((s for s in suites if s.waiting and s.fork), None)
    if waiting is not None:
        waiting.child = Forked(waiting.handed_over, nice=CHILD_NICE)


def results(run_id: str, register: str) -> pd.DataFrame | None:
    """The register's result rows (`gx.run_suite`'s), waiting for its child; validated here when
    it was still waiting its turn, or its child died. None when it was not offered in the run.
    Raises what validating raised."""
    suite = _RUNS.get(run_id, {}).get(register)
    if suite is None:
        return None
    if suite.waiting:
        suite.here()
    elif suite.child is not None:
        _take(suite)
    advance(run_id)
    return suite.outcome()


def every_result(run_id: str) -> dict[str, pd.DataFrame]:
    """The result rows of every suite offered in the run, by register: those still waiting
    their turn validated here while the child validates its own, then the child's taken.
    The registers noted by `resolved` are let go (no suite is offered after this). Raises
    what validating raised."""
    _RESOLVED.pop(run_id, None)
    suites = _RUNS.get(run_id, {})
    for suite in suites.values():
        if suite.waiting:
            suite.here()
    for suite in suites.values():
        if suite.child is not None:
            _take(suite)
    return {register: suite.outcome() for register, suite in suites.items()}


def finish(run_id: str) -> None:
    """Every suite offered in the run validated (their pages rendered by the next
    `gx.build_docs`), then the run forgotten. For the end of a run, also one that failed."""
    for register in list(_RUNS.get(run_id, {})):
        try:
            results(run_id, register)
        except Exception as err:  # already reported by its check, when that ran
            log.warning("the %s suite could not be validated: %s", register, err)
    _RUNS.pop(run_id, None)
    _RESOLVED.pop(run_id, None)


#: run id -> register -> the register as resolved in the run (`resolved`)
_RESOLVED: dict[str, dict[str, object]] = {}


def resolved(run_id: str, register: str, result: object) -> dict[str, object]:
    """Note that the run resolved `register` (its RegisterResult); returns every register the run
    resolved so far. Kept until `every_result` or `finish`."""
    done = _RESOLVED.setdefault(run_id, {})
    done[register] = result
    return done


class DataDocsResource(ConfigurableResource):
    """The run's Data Docs site (OUTPUT/data_docs), required by every expectations check.

    Dagster tears a run's resources down once, after its last step, also when a step failed or
    a blocking check stopped the graph load (when the pages matter most). No step can promise
    that: one downstream of the checks is skipped with the graph. So the run's suites are
    finished (`finish`) and the site is built here."""

    docs_dir: str

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if context.run_id is not None:
            finish(context.run_id)
        started = time.monotonic()
        built = gx.build_docs(Path(self.docs_dir))
        if built and context.log is not None:
            context.log.info(f"Data Docs of {len(built)} suites built in {time.monotonic() - started:.1f} s")


def _take(suite: _Suite) -> None:
    assert suite.child is not None
    try:
        outcome = suite.child.result()
    except BrokenProcessPool:  # the child died (killed, out of memory): the work is done here
        log.warning("the child validating the %s suite died; validated in the run's process", suite.register)
        suite.here()
        return
    except Exception as err:  # raised by validating, there
        suite.failed(err)
        return
    # rendered in the child when it validated alone: only its result rows come back
    suite.done(outcome if isinstance(outcome, pd.DataFrame) else gx.adopt(suite.register, suite.docs_dir, outcome))
