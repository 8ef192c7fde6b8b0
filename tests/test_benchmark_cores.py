"""The cores busy the benchmark reports (benchmarks/cores.py): the machine's busy CPU time from
/proc/stat, and its average over a run's windows; and the kernel's work beside it
(benchmarks/kernel.py): its CPU time, the huge pages it faulted in."""

from __future__ import annotations

import os
import sys
import time

import pytest

from benchmarks.cores import busy_seconds, cores_busy, grown
from benchmarks.kernel import huge_page_bytes, huge_pages_faulted, system_seconds


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


def test_grown_sums_a_counters_growth_over_the_windows():
    samples = [(0.0, 10.0), (1.0, 12.0), (2.0, 13.0), (3.0, 13.0), (4.0, 15.0), (5.0, 17.0)]
    assert grown(samples, [(0.0, 2.0), (4.0, 5.0)]) == (3.0 + 2.0, 2.0 + 1.0)
    assert grown(samples, [(0.5, 1.5), (2.0, 4.0)]) == (2.0, 2.0)  # the one-sample window left out
    assert grown(samples, [(0.5, 1.5)]) is None
    assert grown([], [(0.0, 5.0)]) is None


def test_the_kernels_counters_are_read_from_their_files(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 20 30 4000 500 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\n", encoding="ascii")
    assert system_seconds(str(stat)) == pytest.approx(30 / os.sysconf("SC_CLK_TCK"))  # `system` only
    vmstat = tmp_path / "vmstat"
    vmstat.write_text("nr_free_pages 5\nthp_fault_alloc_other 9\nthp_fault_alloc 1234\nthp_fault_fallback 7\n")
    assert huge_pages_faulted(str(vmstat)) == 1234
    vmstat.write_text("nr_free_pages 5\n")  # a kernel without transparent huge pages
    assert huge_pages_faulted(str(vmstat)) is None
    size = tmp_path / "hpage_pmd_size"
    size.write_text("2097152\n")
    assert huge_page_bytes(str(size)) == 2 * 2**20
    for missing in (system_seconds, huge_pages_faulted, huge_page_bytes):
        assert missing(str(tmp_path / "none")) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat is Linux's")
def test_the_machine_counts_at_least_this_processs_kernel_time():
    """Against the kernel's count of this process's own system time: the machine's grows by at
    least as much while this process maps, touches and gives back memory (page faults are the
    kernel's work), less what counting by ticks can lose."""
    import mmap

    before, own = system_seconds(), os.times().system
    while os.times().system - own < 0.5:
        with mmap.mmap(-1, 64 * 2**20) as block:  # anonymous: each page faulted in, then given back
            for at in range(0, len(block), 4096):
                block[at] = 1
    spent, grew = os.times().system - own, system_seconds() - before
    assert grew >= 0.95 * spent - 3 / os.sysconf("SC_CLK_TCK")
