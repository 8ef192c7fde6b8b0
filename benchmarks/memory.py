"""The memory a run holds, read without walking any process's page tables.

A run forks children (the contract checks, the suites, the stored copies' writers) that share its
pages until they write them. What the run holds is then its own resident memory plus what each
child holds of its own: the pages it wrote since the fork and the memory it allocated. The
kernel tells the latter per process in /proc/PID/smaps_rollup (Private_Clean + Private_Dirty),
but only by walking the child's page tables, a few gigabytes of mappings at national scale: in
one national run (2026-12-07, a probe not kept in benchmarks/) the benchmark read them 91 times
in 5.9 s, and the job took 80.8-85.3 s with that sampler against 78.3-79.5 s without one (three
runs and two), with 4-10 s more of kernel time.

The machine's own counters give the same sum at once. Every anonymous page, shared by a parent
and its forked children or not, counts once in /proc/meminfo's AnonPages, and the in-memory
files a child hands its result back in (memfd_create(2): data_contracts/handed_back.py) count
in Shmem beside the files of tmpfs mounts. So, on a machine running nothing else (as
cores.py and kernel.py count it), what the run's children hold of their own is

    AnonPages + Shmem - the tmpfs mounts' files   (the machine's, `machine_bytes`)
    - this process's RssAnon + RssShmem            (`own`)
    - the same difference before the run started   (`Sampler`'s baseline)

which a test holds to the children's smaps_rollup (tests/test_benchmark_memory.py). Read every
50 ms, a sample took the sampler's thread 1.1-1.6 ms in national runs (waiting for the GIL
included; the mount table was then read at every sample), and the job took 79.6 and 81.3 s with it against 79.2 and 80.1 s without a sampler,
alternating, with the same kernel time.

Linux only: None where /proc is not there.
"""

from __future__ import annotations

import os


def _fields(path: str, names: tuple[str, ...]) -> dict[str, int] | None:
    """The `names` fields of a /proc file of `Name:  value kB` lines, in bytes; None when the
    file cannot be read or lacks one of them."""
    found: dict[str, int] = {}
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                name, _, rest = line.partition(":")
                if name in names:
                    found[name] = int(rest.split()[0]) * 1024
    except (OSError, ValueError):
        return None
    return found if len(found) == len(names) else None


def own() -> tuple[int, int] | None:
    """This process's resident bytes (VmRSS: what it maps, shared or not, files included) and the
    anonymous and shared-anonymous part of them (RssAnon + RssShmem), from /proc/self/status."""
    f = _fields("/proc/self/status", ("VmRSS", "RssAnon", "RssShmem"))
    return None if f is None else (f["VmRSS"], f["RssAnon"] + f["RssShmem"])


def tmpfs_points(mounts: str = "/proc/mounts") -> list[str]:
    """The machine's tmpfs mount points, one per file system (a file system mounted twice
    counts once); [] when the mount table cannot be read."""
    points, seen = [], set()
    try:
        with open(mounts, encoding="utf-8", errors="replace") as fh:
            found = [line.split()[1] for line in fh if line.split()[2:3] == ["tmpfs"]]
    except OSError:
        return []
    for point in found:
        try:
            device = os.stat(point).st_dev
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if device not in seen:
            seen.add(device)
            points.append(point)
    return points


def tmpfs_bytes(points: list[str]) -> int:
    """The bytes the files of the tmpfs mounts at `points` (`tmpfs_points`) hold: they count in
    Shmem, and they are files, not a process's memory (a benchmark's work folder on a /tmp that
    is tmpfs holds the graph and the stored copies)."""
    used = 0
    for point in points:
        try:
            st = os.statvfs(point)
        except OSError:  # unmounted meanwhile
            continue
        used += (st.f_blocks - st.f_bfree) * st.f_frsize
    return used


def machine_bytes(points: list[str] | None = None, meminfo: str = "/proc/meminfo") -> int | None:
    """The anonymous memory of every process of the machine, each page once, with the in-memory
    files that are no tmpfs mount's: AnonPages + Shmem - `tmpfs_bytes(points)`, in bytes;
    `points` found now when not given."""
    f = _fields(meminfo, ("AnonPages", "Shmem"))
    if f is None:
        return None
    return f["AnonPages"] + f["Shmem"] - tmpfs_bytes(tmpfs_points() if points is None else points)


class Sampler:
    """This process's memory and its children's own, read as the module says. `baseline()` once
    before the run forks anything; then `bytes()` whenever a sample is wanted. The tmpfs mounts
    are found once, at `baseline` (the mount table read at every sample cost a handful of system
    calls each time; one mounted during the run would count as memory)."""

    def __init__(self):
        self._others: int | None = None
        self._tmpfs: list[str] = []

    def baseline(self) -> None:
        """What the rest of the machine holds now (no child of the run alive yet)."""
        self._tmpfs = tmpfs_points()
        mine, machine = own(), machine_bytes(self._tmpfs)
        self._others = None if mine is None or machine is None else machine - mine[1]

    def bytes(self) -> int:
        """This process's resident bytes plus what its children hold of their own (0 for them
        where the counters cannot be read, or before `baseline`)."""
        mine = own()
        if mine is None:
            return 0
        machine = machine_bytes(self._tmpfs)
        if machine is None or self._others is None:
            return mine[0]
        return mine[0] + max(0, machine - mine[1] - self._others)
