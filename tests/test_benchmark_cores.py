"""The cores busy the benchmark reports (benchmarks/cores.py): the machine's busy CPU time from
/proc/stat, and its average over a run's windows."""

from __future__ import annotations

import os
import sys
import time

import pytest

from benchmarks.cores import busy_seconds, cores_busy


def test_busy_seconds_sums_the_busy_columns_of_the_first_line(tmp_path):
    stat = tmp_path / "stat"
    # user nice system idle iowait irq softirq steal guest guest_nice
    stat.write_text("cpu  100 20 30 4000 500 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\n", encoding="ascii")
    # not idle, iowait, steal, guest or guest_nice
    assert busy_seconds(str(stat)) == pytest.approx((100 + 20 + 30 + 6 + 7) / os.sysconf("SC_CLK_TCK"))
    assert busy_seconds(str(tmp_path / "none")) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat is Linux's")
def test_the_machine_counts_at_least_this_process_busy():
    """Against the kernel's count of this process's own CPU time: the machine's busy time grows
    by at least as much while this process spins, less what counting by ticks can lose (a tick
    at each end of the spin, and a few percent of sampling error)."""
    before, own = busy_seconds(), time.process_time()
    while time.process_time() - own < 1.0:
        pass
    spun, grew = time.process_time() - own, busy_seconds() - before
    assert grew >= 0.95 * spun - 3 / os.sysconf("SC_CLK_TCK")


def test_cores_busy_averages_over_the_samples_inside_each_window():
    samples = [(0.0, 10.0), (1.0, 12.0), (2.0, 13.0), (3.0, 13.0), (4.0, 15.0), (5.0, 17.0)]
    assert cores_busy(samples, [(0.0, 2.0)]) == 1.5  # 3 busy seconds over 2
    # two windows: (13 - 10) + (17 - 15) busy seconds over 2 + 1
    assert cores_busy(samples, [(0.0, 2.0), (4.0, 5.0)]) == pytest.approx(5 / 3, abs=0.005)
    # a window with one sample tells nothing and is left out
    assert cores_busy(samples, [(0.5, 1.5), (2.0, 4.0)]) == 1.0
    assert cores_busy(samples, [(0.5, 1.5)]) is None
    assert cores_busy([], [(0.0, 5.0)]) is None
