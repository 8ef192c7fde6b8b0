"""The A/B of two revisions (benchmarks/ab.py): the order of the runs and the pairing of the two
sides' runs. The runs themselves are the national job, run on purpose, never by the tests."""

from __future__ import annotations

import pytest

from benchmarks.ab import order, paired


def _run(seconds, cpu, busy, graph=None):
    return {"seconds": seconds, "cpu_seconds": cpu, "cores_busy": busy, "graph_seconds": graph}


def test_pairs_compare_each_run_of_b_with_the_run_of_a_beside_it():
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


def test_the_side_that_runs_first_alternates():
    # the second run of a pair tends to be the quicker: an even number of pairs gives each side
    # the second place equally often
    firsts = [order(i)[0] for i in range(6)]
    assert firsts == ["A", "B", "A", "B", "A", "B"]
    assert all(sorted(order(i)) == ["A", "B"] for i in range(6))


def test_medians_of_an_even_number_of_pairs_and_without_a_pair_lacking_the_field():
    a = [_run(10.0, 1.0, 1.5), _run(12.0, 1.0, 1.0), _run(14.0, 1.0, 1.2), _run(20.0, 1.0, 1.4)]
    b = [_run(9.0, 1.0, 1.6), _run(13.0, 1.0, None), _run(13.0, 1.0, 1.3), _run(17.0, 1.0, 1.5)]
    out = paired(a, b)
    assert out["seconds"]["a_median"] == 13.0  # (12 + 14) / 2
    assert out["seconds"]["b_median"] == 13.0
    assert out["seconds"]["b_minus_a"] == [-1.0, 1.0, -1.0, -3.0]
    assert out["seconds"]["b_minus_a_median"] == -1.0
    # the second pair lacks cores busy on B's side: A's run of that pair is left out too
    assert out["cores_busy"]["pairs"] == 3
    assert out["cores_busy"]["a_median"] == 1.4  # of 1.5, 1.2, 1.4; not 1.0


def test_the_graph_step_is_compared_where_both_runs_timed_it():
    # a revision that predates the timing gives None: its pairs are left out of that field alone
    a = [_run(80.0, 130.0, 1.7, 40.0), _run(82.0, 131.0, 1.7, None), _run(78.0, 129.0, 1.7, 39.0)]
    b = [_run(81.0, 131.0, 1.7, 38.0), _run(80.0, 130.0, 1.7, 37.5), _run(79.0, 130.0, 1.7, 37.0)]
    out = paired(a, b)
    assert out["graph_seconds"]["b_minus_a"] == [-2.0, -2.0]
    assert out["graph_seconds"]["b_lower_in"] == 2 and out["graph_seconds"]["pairs"] == 2
    assert out["seconds"]["pairs"] == 3  # the job's seconds of every pair
