"""Reading one page ahead: order, overlap, bounded look-ahead, errors and early close."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from hub.sync.readahead import ReadAhead, configured_depth, read_ahead


def test_items_arrive_in_order() -> None:
    assert list(read_ahead(iter(range(50)))) == list(range(50))


def test_the_next_item_is_fetched_while_the_caller_works_on_the_current_one() -> None:
    second_fetched = threading.Event()

    def source() -> Iterator[int]:
        yield 1
        second_fetched.set()
        yield 2

    pages = read_ahead(source())
    assert next(pages) == 1
    # The caller is still "working" on item 1: the source must get to item 2 without it.
    assert second_fetched.wait(timeout=5)
    assert list(pages) == [2]


def test_it_never_runs_more_than_depth_items_ahead() -> None:
    produced: list[int] = []
    went_too_far = threading.Event()

    def source() -> Iterator[int]:
        for i in range(10):
            produced.append(i)
            if len(produced) > 3:  # consumed 1 + 1 queued + 1 being put
                went_too_far.set()
            yield i

    pages = read_ahead(source(), depth=1)
    assert next(pages) == 0
    assert not went_too_far.wait(timeout=0.5)
    assert len(produced) <= 3
    assert list(pages) == list(range(1, 10))


def test_a_source_error_reaches_the_caller_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("page 3 failed")

    seen: list[int] = []
    with pytest.raises(ValueError, match="page 3 failed"):
        for item in read_ahead(source()):
            seen.append(item)
    assert seen == [1, 2]


def _closing_source(closed: threading.Event) -> Iterator[int]:
    """Many items; sets ``closed`` when the generator is closed (or ends)."""
    try:
        yield from range(1000)
    finally:
        closed.set()


def test_stopping_early_closes_the_source_and_ends_the_thread() -> None:
    closed = threading.Event()
    ahead = ReadAhead(_closing_source(closed))
    for item in ahead:
        if item == 2:
            break
    assert closed.wait(timeout=5)
    assert not ahead._thread.is_alive()


def test_an_error_in_the_callers_loop_also_stops_the_thread() -> None:
    closed = threading.Event()
    ahead = ReadAhead(_closing_source(closed))
    with pytest.raises(RuntimeError):
        for _ in ahead:
            raise RuntimeError("storing failed")
    assert closed.wait(timeout=5)
    assert not ahead._thread.is_alive()


def test_depth_comes_from_the_environment() -> None:
    assert configured_depth({}) == 1
    assert configured_depth({"HUB_SYNC_READ_AHEAD": "0"}) == 0
    assert configured_depth({"HUB_SYNC_READ_AHEAD": " 3 "}) == 3
    with pytest.raises(ValueError, match="whole number"):
        configured_depth({"HUB_SYNC_READ_AHEAD": "lots"})


def test_depth_zero_reads_in_the_callers_thread() -> None:
    threads: list[str] = []

    def source() -> Iterator[int]:
        threads.append(threading.current_thread().name)
        yield 1

    assert list(read_ahead(source(), 0)) == [1]
    assert threads == [threading.current_thread().name]
