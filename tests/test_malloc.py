"""The run limits glibc's malloc heaps (pipelines/common/malloc.py) in every way of running it."""

from __future__ import annotations

import platform
import sys

import pytest
from dagster import build_resources

from pipelines.common import malloc, resources
from pipelines.common.resources import SansheResource


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only"
)
def test_glibc_takes_the_limit_and_trims():
    assert malloc.limit_arenas() is True
    junk = [bytes(100_000) for _ in range(100)]  # under the mmap threshold: freed into the heap
    del junk
    assert malloc.trim() is True


def test_elsewhere_the_limit_is_declined_and_nothing_fails(monkeypatch):
    monkeypatch.setattr(malloc.sys, "platform", "darwin")
    assert malloc.limit_arenas() is False
    assert malloc.trim() is False


def test_the_resource_every_run_needs_sets_the_limit_as_it_is_set_up(monkeypatch, tmp_path):
    asked = []
    monkeypatch.setattr(resources, "limit_arenas", lambda: asked.append(True) or True)
    resource = SansheResource(source_dir=str(tmp_path), output_dir=str(tmp_path / "out"), workers=1)
    with build_resources({"sanshe": resource}):
        pass
    assert asked == [True]
