"""How fast this machine is at the moment: a probe of the machine, not of sanshe, taken at several
points of a benchmark so that its figures can be read against the speed the machine had when
each was measured.

    python benchmarks/machine_speed.py [--times 5] [--every 0]

The same work every time: numpy sorting the same 4,000,000 seeded random integers on one core
(0.24 s on the 2-core development machine, 2026-12-07), timed `--times` times `--every` seconds
apart, the median kept. On a machine whose cores are its own the probe takes about the same
time whenever it runs; on a virtual machine sharing its host it may not. Why it exists: the
national benchmark at a3b4af7 (2026-12-07) measured the 1% changes at 14.0-14.4 s, the one of
the same code an hour before at 7.5-8.6 s (`evaluations_raw` 1.40 s against 0.74 s), with no
record of how fast the machine was at either moment. Prints only; writes nothing; the tests
run `speed` on a smaller sort.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

#: the probe's integers and seed: the same work on every call
SORTED, SEED = 4_000_000, 17


def sort_seconds(n: int = SORTED) -> float:
    """Seconds numpy takes to sort `n` seeded random int64 values (the values made before the
    clock starts), on one core."""
    values = np.random.default_rng(SEED).integers(0, 2**62, n)
    start = time.perf_counter()
    np.sort(values, kind="quicksort")
    return time.perf_counter() - start


def speed(times: int = 3, n: int = SORTED) -> float:
    """The median of `times` probes (`sort_seconds`), in seconds, rounded to the millisecond: what
    a results file keeps (run.py). Raises ValueError when `times` is less than 1."""
    if times < 1:
        raise ValueError(f"times must be at least 1, not {times}")
    return round(statistics.median(sort_seconds(n) for _ in range(times)), 3)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--times", type=int, default=5, help="probes to take (default 5)")
    ap.add_argument("--every", type=float, default=0.0, help="seconds between probes (default 0)")
    args = ap.parse_args()
    for i in range(args.times):
        if i and args.every:
            time.sleep(args.every)
        print(f"probe {i + 1}: {sort_seconds():.3f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
