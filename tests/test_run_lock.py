"""One run at a time writes an output folder (pipelines/common/run_lock.py): a run waits for
the run of another process holding the folder, saying so; one process takes the lock once
however many holders it has (`sanshe run`, then the job's resource); a sensor's evaluation
never waits."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from dagster import build_sensor_context

from pipelines.common.resources import SansheResource
from pipelines.common.run_lock import LOCK_NAME, OutputLock
from pipelines.definitions import build_definitions
from pipelines.sensors import inbox_sensor
from pipelines.settings import Settings
from sanshe.run import run_pipeline

HOLDER = """
import fcntl, sys, time
from pathlib import Path
fh = open(sys.argv[1], "a")
fcntl.flock(fh, fcntl.LOCK_EX)
print("locked", flush=True)
while not Path(sys.argv[2]).exists():
    time.sleep(0.05)
"""


@pytest.fixture
def holder():
    """Start another process holding an output folder's lock until the file `go` appears:
    `holder(output, go)`. Every one started is stopped when the test ends, passed or not (one
    left waiting for its `go` would live on)."""
    started: list[subprocess.Popen] = []

    def start(output: Path, go: Path) -> subprocess.Popen:
        output.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(output / LOCK_NAME), str(go)], stdout=subprocess.PIPE, text=True
        )
        started.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


def _free(output: Path) -> bool:
    """Whether another process could take the folder's lock now."""
    probe = "import fcntl, sys; fh = open(sys.argv[1], 'a'); fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)"
    return subprocess.run([sys.executable, "-c", probe, str(output / LOCK_NAME)]).returncode == 0


def _wait_until(cond, what: str) -> None:
    for _ in range(400):
        if cond():
            return
        time.sleep(0.05)
    pytest.fail(f"never {what}")


def test_a_run_waits_for_the_run_of_another_process_and_says_so(tmp_path, holder):
    out, go = tmp_path / "out", tmp_path / "go"
    held = holder(out, go)
    said: list[str] = []
    lock = OutputLock(out)
    waiter = threading.Thread(target=lock.acquire, args=(said.append,))
    waiter.start()
    _wait_until(lambda: said, "said it waits")
    assert "waiting for it to end" in said[0] and "等待其结束" in said[0]
    assert waiter.is_alive()  # still waiting: the other run holds the folder
    go.touch()
    held.wait()
    waiter.join(timeout=20)
    assert not waiter.is_alive() and not _free(out)
    lock.release()
    assert _free(out)


def test_one_process_takes_the_lock_once_however_many_hold_it(tmp_path):
    out = tmp_path / "out"
    first, second = OutputLock(out), OutputLock(out)
    first.acquire(pytest.fail)  # nothing holds it: nothing to say
    second.acquire(pytest.fail)  # this process holds it: taken again at once
    second.release()
    assert not _free(out)  # the first holder still holds it
    first.release()
    assert _free(out)
    first.release()  # releasing again is nothing


def test_the_cli_run_waits_for_the_folder_and_the_sensor_never_does(inbox, tmp_path, capsys, holder):
    settings = Settings(inbox, tmp_path / "out", workers=2)
    go = tmp_path / "go"
    held = holder(settings.output_dir, go)
    # the sensor builds the resource outside any run: it answers while the folder is held
    with build_sensor_context(
        resources={"sanshe": SansheResource.from_settings(settings)}, definitions=build_definitions(settings)
    ) as ctx:
        assert inbox_sensor(ctx) is not None
    outcome: list = []
    run = threading.Thread(target=lambda: outcome.append(run_pipeline(settings)))
    run.start()
    _wait_until(lambda: "waiting for it to end" in capsys.readouterr().out, "said it waits")
    assert run.is_alive() and not (settings.output_dir / "run_summary.json").exists()
    go.touch()
    held.wait()
    run.join(timeout=600)
    assert outcome and outcome[0].success
    assert _free(settings.output_dir)  # let go of at the end of the run


def test_a_run_of_the_job_holds_the_folder_from_its_first_step_to_its_last(inbox, tmp_path, monkeypatch):
    """A run Dagster launches (the sensor's, `dagster dev`'s: not through `sanshe run`) takes
    the lock as its resource is set up and lets go of it as it is torn down."""
    from dagster import DagsterInstance

    from pipelines.common import resources as resources_module
    from pipelines.definitions import JOB_NAME

    settings = Settings(inbox, tmp_path / "out", workers=1)
    seen: list[tuple[str, bool]] = []

    class Recorded(OutputLock):
        def acquire(self, log):
            super().acquire(log)
            seen.append(("acquire", _free(settings.output_dir)))

        def release(self):
            seen.append(("release", _free(settings.output_dir)))
            super().release()

    monkeypatch.setattr(resources_module, "OutputLock", Recorded)
    job = build_definitions(settings).resolve_job_def(JOB_NAME)
    with DagsterInstance.ephemeral() as instance:
        assert job.execute_in_process(instance=instance).success
    # held (not free for another process) from set-up to teardown, and free after
    assert seen == [("acquire", False), ("release", False)] and _free(settings.output_dir)


def test_a_release_waits_for_the_run_writing_its_folder(sample_run, tmp_path, capsys, holder):
    """`sanshe release` reads the graph, the quarantine report and the accepted tables of the
    output folder: one run's, never a mix of the run that wrote them and the one writing now."""
    from sanshe.cli import main

    output, go, out = sample_run[0].output_dir, tmp_path / "go", tmp_path / "release"
    held = holder(output, go)
    done: list[int] = []
    release = threading.Thread(
        target=lambda: done.append(main(["release", "--output", str(output), "--out", str(out)]))
    )
    release.start()
    _wait_until(lambda: "waiting for it to end" in capsys.readouterr().out, "said it waits")
    assert release.is_alive() and not out.exists()
    go.touch()
    held.wait()
    release.join(timeout=600)
    assert done == [0] and (out / "datapackage.json").is_file() and _free(output)
