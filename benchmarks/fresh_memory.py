"""What this machine charges for memory touched again after a pause: a probe of the machine, not
of sanshe, for reading the national run's times.

    python benchmarks/fresh_memory.py [--gib 1] [--pauses 0,1,3,10]

Fills a fresh numpy array of `--gib` GiB (numpy takes it from the C allocator, which maps it
from the kernel and gives it back on free), frees it, waits each pause in turn and fills a
fresh one again, printing the seconds each fill took and its GiB/s. On a machine whose memory
is its own, every fill after the first costs about the same. On a virtual machine whose host
takes back the memory its guest has freed (free page reporting, a balloon, proactive
reclaim), a fill after a pause pays a fault to the host for every page: sanshe's run, which
frees and allocates gigabytes from stage to stage (and in every forked child), pays it too,
more or less from one run to the next. Prints only; writes nothing; never run by the tests.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def fill_seconds(gib: float) -> float:
    """Seconds to fill a fresh array of `gib` GiB with ones (int64), the array freed after."""
    start = time.perf_counter()
    filled = np.ones(int(gib * 2**30) // 8, dtype=np.int64)
    seconds = time.perf_counter() - start
    del filled
    return seconds


def cost(gib: float = 1.0, pause: float = 5.0) -> dict:
    """One measure of that charge, for a results file (run.py): seconds to fill `gib` GiB fresh
    (`first_seconds`), again at once (`again_seconds`: the memory just freed, cheap on any
    machine) and again after `pause` seconds (`after_pause_seconds`)."""
    first = fill_seconds(gib)
    again = fill_seconds(gib)
    time.sleep(pause)
    later = fill_seconds(gib)
    return {
        "gib": gib,
        "pause_seconds": pause,
        "first_seconds": round(first, 3),
        "again_seconds": round(again, 3),
        "after_pause_seconds": round(later, 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gib", type=float, default=1.0, help="the size of each fill, GiB (default 1)")
    ap.add_argument("--pauses", default="0,1,3,10", help="seconds to wait before each later fill")
    args = ap.parse_args()
    pauses = [float(p) for p in args.pauses.split(",") if p.strip()]
    seconds = fill_seconds(args.gib)
    print(f"first fill: {seconds:.3f} s, {args.gib / seconds:.2f} GiB/s")
    for pause in pauses:
        time.sleep(pause)
        seconds = fill_seconds(args.gib)
        print(f"after a pause of {pause:g} s: {seconds:.3f} s, {args.gib / seconds:.2f} GiB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
