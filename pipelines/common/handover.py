"""In-memory hand-over between steps that forgets an output once its consumers have it.

Dagster's `mem_io_manager` keeps every output until the run ends: at national scale that is
each register three times over (raw, validated, resolved), more than the machine holds. This
one counts, from the asset graph, how many steps read each output (asset checks included),
and drops the output when the last of them has loaded it. Outputs named in `keep` stay (the
caller reads them after the run). Like mem_io_manager it never writes anything: personal
data in raw and validated registers stays in memory.

The resolved registers, which hold no personal data, are also stored between runs for the
inbox sensor's partial runs (`StoredHandOverIOManager`). Pickling those stored copies cost
the national run about 8.7 s on its critical path (projects, 621 MB, 3.7 s; organisations
1.9 s; measured with pickle.dump of the stored copies) while the machine's second core waited,
so each copy is written by a child forked from the run (see the class), and the run ends only
once every copy is written or reported as not written (`stored_hand_over`, the definition).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from dagster import (
    AssetKey,
    InitResourceContext,
    InputContext,
    IOManager,
    IOManagerDefinition,
    OutputContext,
    io_manager,
)

from data_contracts.errors import SansheError
from data_contracts.forked import become_child, can_fork

from . import stored_copy
from .state_files import write_text_whole

#: at most this many writers of stored copies alive at once (each holds pages of the run's
#: memory, see StoredHandOverIOManager); a further output waits for the oldest to end
WRITERS = 2


def consumers(assets, checks) -> Counter:
    """How many steps of a full run load each asset's output."""
    out: Counter = Counter()
    for node in [*assets, *checks]:  # every input a step loads, asset checks' extra inputs included
        for key in node.keys_by_input_name.values():
            out[key] += 1
    return out


class HandOverIOManager(IOManager):
    def __init__(self, readers: Counter, keep: frozenset[AssetKey] = frozenset()):
        self.readers, self.keep = readers, keep
        self.values: dict[AssetKey, object] = {}
        self.left: dict[AssetKey, int] = {}
        self.run_id: str | None = None

    def handle_output(self, context: OutputContext, obj: object) -> None:
        if context.run_id != self.run_id:  # a new run: nothing of an earlier one is ever served
            self.values.clear()
            self.left.clear()
            self.run_id = context.run_id
        key = context.asset_key
        self.values[key] = obj
        self.left[key] = self.readers.get(key, 0)

    def load_input(self, context: InputContext) -> object:
        key = context.asset_key
        if context.step_context.run_id != self.run_id or key not in self.values:
            raise KeyError(f"{key.to_user_string()} was not produced in this run: select the steps that make it")
        obj = self.values[key]
        self.left[key] -= 1
        if self.left[key] <= 0 and key not in self.keep:
            del self.values[key]  # the last reader has it: let it go
        return obj


class StoredCopyError(SansheError):
    """The stored copy of one or more resolved registers could not be written. This run's
    readers had the registers in memory; the copies are gone, so an inbox sensor's partial run
    that skips one of those registers says to run the job once. `failed`: why, per asset."""

    def __init__(self, failed: dict[str, str]):
        self.failed = dict(failed)
        en = ", ".join(f"{name} ({why})" for name, why in self.failed.items())
        zh = "、".join(f"{name}（{why}）" for name, why in self.failed.items())
        super().__init__(
            f"the stored copy of {en} could not be written: this run's graph and reports do not depend on it, "
            "but the sensor's partial runs will ask for a full run until a run writes it again · "
            f"未能写入 {zh} 的存储副本：本次运行的图谱和报告不受影响，但在再次写入之前，传感器的增量运行会要求完整运行"
        )


class StoredHandOverIOManager(HandOverIOManager):
    """The hand-over for outputs that are also stored between runs (the public, resolved
    registers): each is written to `base_dir` for the inbox sensor's later partial runs, and
    this run's readers get it from memory. Reading it back from disk in every step that needs
    it cost the national run about 20 s of unpickling (organisations alone have five readers).
    A step whose input was not made in this run (a partial run) loads the stored one.

    Writing a copy is off the run's path: pickling them took about 8.7 s of the national run
    (projects, 621 MB, 3.7 s; organisations 1.9 s; pickle.dump of the stored copies) with the
    second core idle. `handle_output` removes the earlier copy, then forks a child that pickles
    the output into `.<name>.partial` beside it and renames that into place, and returns at
    once. A child is set up like the contract checks' children (data_contracts/forked.py,
    `become_child`): the kernel ends it when the run ends, it takes the default action on
    SIGTERM and SIGINT, and it prints and logs nothing; a failure comes back as a short reason
    (the error's kind, never a value) over a pipe. Where fork is not safe (`can_fork`), or with
    `fork=False` (SANSHE_WORKERS=1), the copy is written here, in the step.

    Failure semantics: a copy is either whole and of this run, or absent, never stale nor half
    written. The earlier copy is removed before the write starts, so a write that fails, or a
    run killed while it writes, leaves no copy, and a partial run needing it says to run the job
    once; a `.partial` file is never read, and is removed by the child or by `wait` when a write
    fails. A failed write does not fail its step (this run's readers have the register in
    memory): `wait` reports it, as StoredCopyError naming the registers. `stored_hand_over`
    waits when the run's resources are torn down (after its last step, also after a failure),
    so the run ends only once every copy is settled. A new write of a register, or a load of
    its copy, first waits for a writer of the same file still at work (two writers of one path
    never race).

    Memory: a child starts with the run's memory shared copy-on-write. Pickling touches the
    reference count of every Python object of the register (text and dates in object columns;
    not numpy or Arrow buffers), so the pages holding them are copied, and a page the run
    writes meanwhile is copied too; a register dropped by the hand-over is freed only when its
    writer ends. At worst a writer costs about the register's own size in memory while it
    lives, so at most WRITERS are alive at once, and a child never runs the garbage collector
    (it would touch every object of the run).
    """

    def __init__(self, readers: Counter, base_dir: Path, fork: bool = True):
        super().__init__(readers)
        self.base_dir = Path(base_dir)
        self.fork = fork
        #: writers not yet waited for, oldest first
        self.writers: dict[AssetKey, _Writer] = {}
        #: why each copy not written failed, until `wait` reports it
        self.failed: dict[AssetKey, str] = {}
        #: stored copies loaded in run `stored_run`, kept for its other readers until the run ends
        #: (a partial run reads the projects' copy in evaluations_resolved and again in
        #: resolved_registers: unpickling it took 4-5 s each time at national scale)
        self.stored: dict[AssetKey, object] = {}
        self.stored_run: str | None = None
        #: the run that made each output this one handed over or loaded (`origin`)
        self.made: dict[AssetKey, str] = {}

    def _path(self, key: AssetKey) -> Path:
        return self.base_dir.joinpath(*key.path)

    def handle_output(self, context: OutputContext, obj: object) -> None:
        super().handle_output(context, obj)
        key = context.asset_key
        self.stored.pop(key, None)  # made again in this run: an earlier copy loaded is stale
        self._join(key)  # a writer of the same file (an earlier run's) ends first
        self.failed.pop(key, None)  # an earlier write's failure is overtaken by this one
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # a write that fails never leaves a stale copy to trust
        # which run made the copy about to be written: a copy there is always this write's (the
        # earlier one is gone), so its run is this one for as long as it exists (`origin`)
        write_text_whole(_made_by(path), context.run_id)
        self.made[key] = context.run_id
        if self.fork and can_fork():
            for done in [k for k, w in self.writers.items() if not w.process.is_alive()]:
                self._join(done)
            while len(self.writers) >= WRITERS:
                self._join(next(iter(self.writers)))
            try:
                self.writers[key] = _Writer.start(obj, path)
                return
            except OSError:  # no fork now (out of memory, too many processes): write it here
                pass
        why = _store(obj, path)
        if why:
            self._failed(key, why)

    def load_input(self, context: InputContext) -> object:
        key, run = context.asset_key, context.step_context.run_id
        if run == self.run_id and key in self.values:
            return super().load_input(context)
        if run != self.stored_run:  # a copy loaded in an earlier run may have been written since
            self.stored.clear()
            self.stored_run = run
        if key not in self.stored:  # read once per run however many steps read it
            self._join(key)
            path = self._path(key)
            if not path.exists():
                raise KeyError(f"{key.to_user_string()} is neither in this run nor stored: run the job once")
            # a register's rows are read when a step first uses them, a column alone when
            # that is all it asks for (stored_copy.py)
            self.stored[key] = stored_copy.read(path)
            try:
                self.made[key] = _made_by(path).read_text(encoding="utf-8")
            except OSError:  # a copy of an earlier version of sanshe: its run is not known
                self.made.pop(key, None)
        return self.stored[key]

    def origin(self, key: AssetKey, run_id: str) -> str | None:
        """The run that made the output `key` a step of run `run_id` was given: `run_id` when this
        run made it, the run that wrote the stored copy this run loaded, None when not known. A
        step may keep what it wrote from an output of the same origin (accepted_tables does)."""
        if run_id == self.run_id and self.made.get(key) == run_id:
            return run_id
        if run_id == self.stored_run and key in self.stored:
            return self.made.get(key)
        return None

    def _join(self, key: AssetKey) -> None:
        writer = self.writers.pop(key, None)
        if writer is not None:
            why = writer.join()
            if why:
                self._failed(key, why)

    def _failed(self, key: AssetKey, why: str) -> None:
        self.failed[key] = why
        _made_by(self._path(key)).unlink(missing_ok=True)  # of no copy

    def wait(self) -> None:
        """Wait for every writer; raise StoredCopyError naming each copy not written since the
        last wait (its partial file removed, its earlier copy gone)."""
        for key in list(self.writers):
            self._join(key)
        failed, self.failed = self.failed, {}
        if failed:
            raise StoredCopyError({k.to_user_string(): why for k, why in failed.items()})


def stored_hand_over(readers: Counter, base_dir: Path, fork: bool = True) -> IOManagerDefinition:
    """The IO manager definition of the stored copies: one StoredHandOverIOManager for every run
    of the definitions (as a hard-coded IO manager would be), whose teardown waits for the
    run's writers. Dagster tears a run's resources down once, after its last step, also when a
    step failed; an error raised there does not fail the run: Dagster logs it ("Teardown of
    resources [...] failed.", with its stack) and records it as an engine event with the error,
    which `sanshe run` reads (sanshe/run.py)."""
    manager = StoredHandOverIOManager(readers, base_dir, fork=fork)

    # a generator: what follows its yield is the teardown (dagster's hint leaves generators out)
    @io_manager(description="Resolved registers: in memory for this run, stored by forked writers")  # type: ignore[arg-type]
    def stored(_: InitResourceContext) -> Iterator[StoredHandOverIOManager]:
        try:
            yield manager
        finally:
            manager.stored.clear()  # this run's loaded copies: nobody reads them after it
            manager.wait()

    return stored


def _made_by(path: Path) -> Path:
    """The file beside a stored copy naming the run that made it (its run id)."""
    return path.with_name(f"{path.name}.run")


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


def _store(obj: object, path: Path) -> str:
    """Pickle `obj` to `path` by way of its partial file; "" when written, otherwise why not, in
    words that hold no value of `obj`. The partial file is removed on failure."""
    partial = _partial(path)
    try:
        with partial.open("wb") as fh:
            stored_copy.write(obj, fh)
        os.replace(partial, path)
        return ""
    except BaseException as err:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        if not isinstance(err, Exception):  # an interrupt of the run (when written here) ends it
            raise
        return _reason(err)


def _reason(err: BaseException) -> str:
    """The kind of failure, never its message beyond the system's words for an OSError (an
    error raised while pickling may quote the value it met)."""
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    if isinstance(err, MemoryError):
        return "out of memory"
    return type(err).__name__


class _Writer:
    """A forked child writing one stored copy, and the pipe it reports a failure on."""

    def __init__(self, process, path: Path, report: int):
        self.process, self.path, self.report = process, path, report

    @classmethod
    def start(cls, obj: object, path: Path) -> _Writer:
        read, write = os.pipe()
        process = multiprocessing.get_context("fork").Process(
            target=_write_copy, args=(obj, path, os.getpid(), write), name=f"store {path.name}", daemon=False
        )
        try:
            process.start()  # the Process drops its reference to obj once started
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)  # the child holds its own end: end of file once it has ended
        return cls(process, path, read)

    def join(self) -> str:
        """Wait for the child; "" when the copy is written, otherwise why not (its partial file
        removed, should the child have been killed before it could)."""
        self.process.join()
        code = self.process.exitcode
        with os.fdopen(self.report, "rb") as fh:
            said = fh.read(_REPORT_BYTES).decode("utf-8", "replace")
        self.process.close()
        if code == 0:
            return ""
        with contextlib.suppress(OSError):
            _partial(self.path).unlink(missing_ok=True)
        if said:
            return said
        return f"the writer ended by signal {-code}" if code is not None and code < 0 else f"the writer ended ({code})"


#: the writers' CPU priority below the run's (nice(2)): the run waits for them only at its end,
#: so with more processes than cores its steps and the suites validated ahead go first
WRITER_NICE = 10

#: a reason fits in one write to a pipe, which is atomic up to PIPE_BUF (at least 512 bytes)
_REPORT_BYTES = 512


def _write_copy(obj: object, path: Path, parent: int, report: int) -> None:
    """In the forked child: write the copy and end, never returning into the code of the run
    that forked it (no atexit handler, no flush of the run's buffered output, no traceback)."""
    try:
        become_child(parent, nice=WRITER_NICE)
        gc.disable()  # a collection would touch every object of the run, copying its pages
        why = _store(obj, path)
    except BaseException as err:
        why = _reason(err) or "failed"
    if why:
        with contextlib.suppress(OSError):
            os.write(report, why.encode("utf-8")[:_REPORT_BYTES])
        os._exit(1)
    os._exit(0)
