"""The A/B of two revisions (benchmarks/ab.py): its pairing of the two sides' runs. The runs
themselves are the national job, run on purpose, never by the tests."""

from __future__ import annotations

import pytest

from benchmarks.ab import paired


def _run(seconds, cpu, busy):
    return {"seconds": seconds, "cpu_seconds": cpu, "cores_busy": busy}


def test_pairs_compare_each_run_of_b_with_the_run_of_a_before_it():
    # the machine slows through the session: B is quicker than the A run beside it every time,
    # though its median is not far below A's
    a = [_run(100.0, 200.0, 1.6), _run(110.0, 210.0, 1.7), _run(120.0, 220.0, 1.6)]
    b = [_run(98.0, 205.0, 1.7), _run(107.0, 207.0, 1.6), _run(119.0, 221.0, None)]
    out = paired(a, b)
    assert out["seconds"] == {
        "a_median": 110.0,
        "b_median": 107.0,
        "b_minus_a": [-2.0, -3.0, -1.0],
        "b_minus_a_median": -2.0,
        "b_lower_in": 3,
        "pairs": 3,
    }
    assert out["cpu_seconds"]["b_minus_a"] == [5.0, -3.0, 1.0]
    assert out["cpu_seconds"]["b_lower_in"] == 1
    # a pair lacking a field (no /proc/stat) is left out of that field alone
    assert out["cores_busy"]["pairs"] == 2
    assert out["cores_busy"]["b_minus_a"] == pytest.approx([0.1, -0.1])


def test_sides_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="same number"):
        paired([_run(1.0, 1.0, 1.0)], [])
    with pytest.raises(ValueError):
        paired([], [])


def test_a_field_no_pair_has_is_left_out():
    out = paired([_run(1.0, 2.0, None)], [_run(1.5, 2.5, None)])
    assert set(out) == {"seconds", "cpu_seconds"}
