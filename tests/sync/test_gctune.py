"""Objects alive before a sync are frozen during it and unfrozen afterwards."""

from __future__ import annotations

import gc

import pytest

from hub.sync.gctune import fewer_gc_passes


def test_heap_frozen_inside_and_unfrozen_after_nesting_and_errors() -> None:
    assert gc.get_freeze_count() == 0
    with fewer_gc_passes():
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with fewer_gc_passes():
            assert gc.get_freeze_count() == frozen  # one freeze shared by nested blocks
        assert gc.get_freeze_count() == frozen  # the outer block still runs
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), fewer_gc_passes():
        raise RuntimeError("stream failed")
    assert gc.get_freeze_count() == 0


def test_cycles_made_during_the_block_are_still_collected() -> None:
    class Node:
        pass

    with fewer_gc_passes():
        gc.collect()
        node = Node()
        node.self = node  # type: ignore[attr-defined]
        del node
        assert gc.collect() >= 1


def test_a_freeze_made_by_the_application_is_left_alone() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with fewer_gc_passes():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
