"""Read one page ahead: fetch the next page while the current one is mapped and stored.

A sync alternates between waiting for the source (network, the ERP's query time) and working on
what it got (mapping, validation, a database transaction). Running the source's iterator in a
background thread overlaps the two; the queue holds at most ``depth`` pages, so memory stays
bounded and the source is never more than ``depth`` pages ahead of what has been committed.
Nothing about resumption changes: a page's state is saved only when the caller stores it.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar

T = TypeVar("T")

_POLL_SECONDS = 0.1
#: Pages a sync reads ahead unless ``HUB_SYNC_READ_AHEAD`` says otherwise (0 turns it off).
DEFAULT_DEPTH = 1


def configured_depth(env: Mapping[str, str] | None = None) -> int:
    """Read-ahead depth from ``HUB_SYNC_READ_AHEAD`` (default 1; 0 reads in the caller's thread)."""
    raw = (os.environ if env is None else env).get("HUB_SYNC_READ_AHEAD", "").strip()
    if not raw:
        return DEFAULT_DEPTH
    try:
        return max(0, int(raw))
    except ValueError:
        raise ValueError(f"HUB_SYNC_READ_AHEAD must be a whole number, not {raw!r}") from None


class _End:
    """Marks the end of the source's pages (or carries the exception that ended them)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class ReadAhead(Generic[T]):
    """Iterate ``source`` in a background thread, ``depth`` items ahead of the caller.

    Exceptions raised by the source reach the caller at the position they happened, after the
    items before them. Closing the iterator early (or an exception in the caller's loop) stops
    the thread and closes the source in that thread.
    """

    def __init__(self, source: Iterable[T], depth: int = 1, name: str = "read-ahead") -> None:
        self._source = iter(source)
        self._queue: queue.Queue[T | _End] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name=name, daemon=True)
        self._started = False

    def _put(self, item: T | _End) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            for item in self._source:
                if not self._put(item):
                    return
            self._put(_End())
        except BaseException as exc:  # handed to the caller, never lost
            self._put(_End(exc))
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Iterator[T]:
        if self._started:
            raise RuntimeError("a ReadAhead can be iterated once")
        self._started = True
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if isinstance(item, _End):
                    if item.error is not None:
                        raise item.error
                    return
                yield item
        finally:
            self.close()

    def close(self) -> None:
        """Stop reading ahead and wait for the thread (which closes the source)."""
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.get_nowait()
            except queue.Empty:
                self._thread.join(_POLL_SECONDS)


def read_ahead(source: Iterable[T], depth: int = 1) -> Iterator[T]:
    """``source``'s items, produced ``depth`` ahead in a background thread (``depth`` 0: the
    source itself, in the caller's thread)."""
    if depth <= 0:
        return iter(source)
    return iter(ReadAhead(source, depth))


__all__ = ["DEFAULT_DEPTH", "ReadAhead", "configured_depth", "read_ahead"]
