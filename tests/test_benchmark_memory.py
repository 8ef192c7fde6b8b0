"""The benchmark's memory sampler (benchmarks/memory.py) against the kernel's own account of a
forked child's private pages (its smaps_rollup, which the sampler no longer reads): a child that
allocates memory and writes pages it shared with its parent holds what smaps_rollup says, and
an in-memory file it fills (how a contract check's child hands its result back) counts too."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from benchmarks import memory

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or memory.machine_bytes() is None, reason="Linux /proc only"
)

MIB = 2**20
#: what other processes of the test machine may allocate or free meanwhile (the suite's Neo4j
#: server idles while this runs), and the interpreter's own pages the child writes
SLACK = 24 * MIB


def _private(pid: int) -> int:
    """The oracle: the child's Private_Clean + Private_Dirty (smaps_rollup), in bytes."""
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return 1024 * sum(
        int(line.split()[1]) for line in text.splitlines() if line.startswith(("Private_Clean:", "Private_Dirty:"))
    )


def _child_holding(work) -> tuple[int, int, int]:
    """Fork a child that runs `work()` then waits; returns (its pid, the fd to release it by,
    the fd it said ready on)."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never back into pytest
        try:
            os.close(ready_r)
            os.close(go_w)
            held = work()
            os.write(ready_w, b"1")
            os.read(go_r, 1)
            del held
        finally:
            os._exit(0)
    os.close(ready_w)
    os.close(go_r)
    assert os.read(ready_r, 1) == b"1"
    return pid, go_w, ready_r


def _release(pid: int, go: int, ready: int) -> None:
    os.write(go, b"1")
    os.close(go)
    os.close(ready)
    os.waitpid(pid, 0)


def test_a_childs_own_pages_count_once_as_its_smaps_rollup_says():
    shared = bytearray(64 * MIB)  # the parent's, shared with the child until it writes them
    shared[::4096] = b"\1" * len(range(0, len(shared), 4096))
    sampler = memory.Sampler()
    sampler.baseline()

    def work():
        own = bytearray(b"\2" * (96 * MIB))  # allocated by the child
        shared[::4096] = b"\3" * len(range(0, len(shared), 4096))  # every shared page written
        return own

    pid, go, ready = _child_holding(work)
    try:
        children = sampler.bytes() - memory.own()[0]
        want = _private(pid)
    finally:
        _release(pid, go, ready)
    assert want >= 150 * MIB  # the 96 MiB and the 64 MiB written: the oracle sees them
    assert abs(children - want) <= SLACK, (children / MIB, want / MIB)
    # the child gone, its pages are back: nothing counted for it
    assert sampler.bytes() - memory.own()[0] <= SLACK


def test_an_in_memory_file_a_child_fills_counts_as_its_memory():
    sampler = memory.Sampler()
    sampler.baseline()

    def work():
        fd = os.memfd_create("sanshe-test")
        os.write(fd, b"\4" * (48 * MIB))
        return fd

    pid, go, ready = _child_holding(work)
    try:
        children = sampler.bytes() - memory.own()[0]
    finally:
        _release(pid, go, ready)
    assert abs(children - 48 * MIB) <= SLACK, children / MIB


def test_the_files_of_a_tmpfs_mount_are_not_a_process_memory(tmp_path):
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        pytest.skip("no writable /dev/shm here")
    sampler = memory.Sampler()
    sampler.baseline()
    before = sampler.bytes() - memory.own()[0]
    f = shm / f"sanshe-test-{os.getpid()}"
    try:
        f.write_bytes(b"\5" * (48 * MIB))
        after = sampler.bytes() - memory.own()[0]
    finally:
        f.unlink(missing_ok=True)
    assert abs(after - before) <= SLACK, (before / MIB, after / MIB)
