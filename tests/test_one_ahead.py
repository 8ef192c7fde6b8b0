"""`store._one_ahead`: the next table typed and digested on a thread while the store copies the
one before it (pipelines/graph/store.py, `load_built`)."""

from __future__ import annotations

import threading
import time
import weakref

import pytest

from pipelines.graph.store import _one_ahead


def test_each_item_is_made_in_order_and_at_most_one_ahead_of_the_caller():
    made: list[int] = []
    threads: set[str] = set()

    def make(item: int) -> int:
        threads.add(threading.current_thread().name)
        made.append(item)
        return item * 10

    got = []
    for value in _one_ahead(range(5), make):
        time.sleep(0.02)  # the caller's work (a copy): the next item is made meanwhile
        assert len(made) <= value // 10 + 2  # this one and the next, never more
        got.append(value)
    assert got == [0, 10, 20, 30, 40] and made == [0, 1, 2, 3, 4]
    assert threading.current_thread().name not in threads  # made on a thread of its own
    assert list(_one_ahead([], make)) == []


def test_what_making_raises_is_raised_where_its_result_would_come():
    def make(item: int) -> int:
        if item == 2:
            raise ValueError("item 2 failed")
        return item

    got = []
    with pytest.raises(ValueError, match="item 2 failed"):
        for value in _one_ahead(range(5), make):
            got.append(value)
    assert got == [0, 1]  # the ones before it came, none after


def test_closed_early_it_makes_no_more_and_leaves_the_items_to_be_closed():
    taken: list[int] = []
    release = threading.Event()
    stopped = threading.Event()

    def items():
        try:
            for i in range(100):
                if i == 1:
                    release.wait(5)  # the thread is inside the items when the caller stops
                taken.append(i)
                yield i
        finally:
            stopped.set()

    source = items()
    ahead = _one_ahead(source, lambda item: item)
    assert next(ahead) == 0
    threading.Timer(0.1, release.set).start()
    ahead.close()  # waits for item 1 to be taken, then takes nothing more
    assert taken == [0, 1] and release.is_set()
    # no thread is inside the items now: closing them does not raise "generator already
    # executing", and runs their clean-up here
    source.close()
    assert stopped.is_set()


def test_an_item_is_let_go_as_soon_as_make_lets_go_of_it():
    """`make` holds the only reference to the item it is given (the store frees a table's frame
    once typed, before digesting it): a name or a `map` holding it would keep it alive."""

    class Frame:
        pass

    def items():
        for i in range(3):
            yield (i, Frame())  # no name of the generator's holds the frame either

    alive = []

    def make(item: tuple[int, Frame]) -> int:
        frame = weakref.ref(item[1])
        del item
        alive.append(frame() is not None)
        return 0

    assert list(_one_ahead(items(), make)) == [0, 0, 0]
    assert alive == [False, False, False]
