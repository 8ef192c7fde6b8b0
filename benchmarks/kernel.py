"""What the kernel did while a stretch of the benchmark ran, counted machine-wide as cores.py
counts the cores busy (the machine running nothing else):

- the CPU time the kernel spent on the processes' behalf (Linux /proc/stat, first line, the
  `system` column; proc(5)): page faults, file writes, process forks and ends;
- the transparent huge pages it faulted in (/proc/vmstat `thp_fault_alloc`, each
  `hpage_pmd_size` bytes, 2 MiB on x86-64): memory a process touched for the first time, or
  again after giving it back. pyarrow's allocator and numpy ask for huge pages for their large
  blocks (madvise), so on a machine whose setting is `madvise` (the benchmark machine's) most of
  the memory the run's columns take is faulted in this way; the kernel zeroes each page before
  handing it over, and a virtual machine whose host has taken back the memory its guest freed
  pays a fault to the host as well (benchmarks/fresh_memory.py times that, in the run too).

None where the counter is not there (not Linux; a kernel without transparent huge pages)."""

from __future__ import annotations

import os
from pathlib import Path

#: the /proc/stat column of time spent in the kernel on the processes' behalf (proc(5))
_SYSTEM_COLUMN = 2


def system_seconds(stat: str = "/proc/stat") -> float | None:
    """CPU seconds the machine's cores have spent in the kernel on the processes' behalf since
    boot (the `system` column, summed over the cores; float); None without /proc/stat."""
    try:
        with open(stat, encoding="ascii") as fh:
            first = fh.readline().split()
    except OSError:
        return None
    return int(first[1 + _SYSTEM_COLUMN]) / os.sysconf("SC_CLK_TCK")


def huge_pages_faulted(vmstat: str = "/proc/vmstat") -> int | None:
    """Transparent huge pages the kernel has faulted in since boot (`thp_fault_alloc`); None
    without /proc/vmstat or the counter."""
    try:
        with open(vmstat, encoding="ascii") as fh:
            for line in fh:
                name, _, value = line.partition(" ")
                if name == "thp_fault_alloc":
                    return int(value)
    except OSError:
        return None
    return None


def huge_page_bytes(size: str = "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size") -> int | None:
    """The bytes of one transparent huge page (2 MiB on x86-64); None where the kernel has none."""
    try:
        return int(Path(size).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None
