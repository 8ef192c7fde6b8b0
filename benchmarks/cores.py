"""How many of the machine's cores a stretch of the benchmark kept busy: the machine's CPU time
spent running something (Linux /proc/stat, first line: user, nice, system, irq and softirq; not
idle, iowait or steal), divided by the stretch's seconds. It counts every process of the
machine, so it describes the run on a machine that runs nothing else (how the benchmark is run,
see docs/performance.md). On a 2-core machine 2.0 means both cores busy throughout; a stage
under it leaves a core idle part of its time (a stage held to one thread, by Python's GIL or
its own design, sits near 1.0 while still bound by the CPU it uses). Cores busy times seconds
is the CPU time the stretch took."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

#: the /proc/stat columns of time spent running something (proc(5)): user, nice, system, irq
#: and softirq. Not idle; not iowait (a core waiting for the disk runs nothing); not steal (the
#: hypervisor ran another guest: no work of this machine); not guest and guest_nice, which
#: user and nice already hold.
_BUSY_COLUMNS = (0, 1, 2, 5, 6)


def busy_seconds(stat: str = "/proc/stat") -> float | None:
    """CPU seconds the machine's cores have spent running something since boot (_BUSY_COLUMNS),
    summed over the cores (float); None where there is no /proc/stat (not Linux)."""
    try:
        with open(stat, encoding="ascii") as fh:
            first = fh.readline().split()
    except OSError:
        return None
    ticks = [int(v) for v in first[1:]]
    return sum(ticks[i] for i in _BUSY_COLUMNS if i < len(ticks)) / os.sysconf("SC_CLK_TCK")


def cores_busy(samples: Sequence[tuple[float, float]], windows: Iterable[tuple[float, float]]) -> float | None:
    """Cores busy on average over `windows` ((start, end) in seconds since the epoch), from
    `samples` ((time, busy_seconds()) in time order): the busy seconds `grown` over the windows,
    over the seconds their samples span. None when no window holds two samples (or their samples
    span no time). Rounded to 2 decimals."""
    both = grown(samples, windows)
    return round(both[0] / both[1], 2) if both is not None and both[1] > 0 else None


def grown(samples: Sequence[tuple[float, float]], windows: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    """How much a counter sampled as `samples` ((time, value) in time order) grew over `windows`
    ((start, end) in seconds since the epoch), and the seconds that growth was seen over: for each
    window, between its first and last sample inside it, summed over the windows. A window
    holding fewer than two samples (a step shorter than about two sampling intervals) is left
    out; None when every window is."""
    growth = span = 0.0
    seen = False
    for start, end in windows:
        inside = [(t, v) for t, v in samples if start <= t <= end]
        if len(inside) >= 2:
            growth += inside[-1][1] - inside[0][1]
            span += inside[-1][0] - inside[0][0]
            seen = True
    return (growth, span) if seen else None
