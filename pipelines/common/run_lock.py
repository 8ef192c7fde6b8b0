"""One run at a time writes an output folder.

The inbox sensor asks for a run whenever the inbox changes, and Dagster's default run
coordinator launches it at once, so a file dropped while a run is going starts a second run on
the same output folder: both would write its stored registers, accepted tables, reports, Data
Docs and graph. Each run holds an exclusive lock on `<output>/.run.lock` (fcntl.flock) from the
start of its steps to their end (SansheResource), and a second run waits for the first, saying
so in its log. The lock goes with the process if it dies. `sanshe release` takes it too: a
release reads the graph, the quarantine report and the accepted tables, which must be one
run's. `sanshe query` takes none: it reads the graph alone, which the store swaps in whole.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

#: the lock file in the output folder
LOCK_NAME = ".run.lock"

#: the output folders this process holds locked: lock file -> (the open lock file, holders).
#: `sanshe run` locks the folder before it clears the Data Docs and the run's resource locks it
#: again: a second flock in one process, on another open of the file, would wait for itself
_HELD: dict[Path, tuple[IO[str], int]] = {}
_HELD_GUARD = threading.Lock()


class OutputLock:
    """The exclusive lock of one output folder for one run: `acquire` waits for a run of another
    process holding it, `release` lets the next go. Within one process the lock is counted,
    not taken twice (see _HELD). Processes forked by the run share the lock (flock's lock
    belongs to the open file, which they inherit); the last `release` unlocks it for all."""

    def __init__(self, output_dir: Path):
        self.path = (Path(output_dir) / LOCK_NAME).absolute()
        self._held = False

    def acquire(self, log: Callable[[str], object]) -> None:
        """Lock the output folder, waiting for the run of another process that holds it to end
        (and logging that it waits). Raises OSError when the folder cannot be made or the lock
        file opened."""
        with _HELD_GUARD:
            if self.path in _HELD:
                fh, holders = _HELD[self.path]
                _HELD[self.path] = (fh, holders + 1)
                self._held = True
                return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a")
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log(
                    f"another run is writing to {self.path.parent}: waiting for it to end · "
                    f"另一个运行正在写入 {self.path.parent}，等待其结束"
                )
                fcntl.flock(fh, fcntl.LOCK_EX)
        except BaseException:
            fh.close()
            raise
        with _HELD_GUARD:
            _HELD[self.path] = (fh, 1)
        self._held = True

    def release(self) -> None:
        """Let go of this holder's lock; the last holder of the process unlocks the folder (for
        the processes the run forked too) and closes the lock file."""
        if not self._held:
            return
        self._held = False
        with _HELD_GUARD:
            fh, holders = _HELD[self.path]
            if holders > 1:
                _HELD[self.path] = (fh, holders - 1)
                return
            del _HELD[self.path]
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()

    def __enter__(self) -> OutputLock:
        self.acquire(print)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
