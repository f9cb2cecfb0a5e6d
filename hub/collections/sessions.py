"""Notifier sessions a worker process keeps open from one send job to the next.

Every reminder message is its own RQ job (one job per reminder and channel), and a job that
built its own notifier opened a new SMTP connection (TCP, greeting, EHLO, STARTTLS, AUTH) for
one message. :class:`NotifierSessions` lets the jobs of one process share their notifiers:

* one notifier per (channel id, config version); the version is a digest of the stored plugin,
  config and encrypted secrets, so an edited channel (or a rotated key) gets a new notifier and
  the old one is closed as soon as no job uses it;
* a job *borrows* a notifier and *gives it back*; a notifier that raised while sending is given
  back *broken*: it is closed and forgotten, and the next job builds a new one (one reconnect);
* a notifier nobody used for ``idle_seconds`` is closed by a background thread, so an idle
  worker does not hold connections to the mail server; ``idle_seconds <= 0`` closes every
  notifier as soon as its job ends (the behaviour without reuse);
* :meth:`close_all` (worker shutdown) closes what is left;
* a child process forked from a process with sessions forgets them without closing them (the
  sockets belong to the parent) and closes whatever it opens itself when its job ends.

What a kept connection needs from the notifier itself: survive the server dropping it while
idle. :class:`hub_email_reminders.EmailNotifier` does: a kept connection that turns out to be
closed fails at ``MAIL FROM``, before any byte of the message was sent, and is reopened once
for that message; the outbox claim and the message's idempotency key are untouched by reuse.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hub.notifiers import Notifier

if TYPE_CHECKING:
    from hub.collections.channels import ChannelService
    from hub.collections.models import Channel

log = logging.getLogger(__name__)


def config_version(channel: Channel) -> str:
    """A digest of what the channel's notifier is built from (plugin, config, secrets)."""
    raw = json.dumps(
        [channel.plugin, channel.config, channel.secrets], sort_keys=True, default=str
    ).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(eq=False)
class _Entry:
    channel_id: int
    version: str
    notifier: Notifier
    last_used: float
    borrowed: int = 0
    retired: bool = False  # replaced, broken or closed: close it once it is given back


class NotifierSessions:
    """The notifiers of one process, kept open between jobs (see the module docstring).

    :param idle_seconds: close a notifier nobody used for this long (``<= 0``: at once).
    :param clock: monotonic seconds (tests may pass their own).

    Thread-safe. ``opened`` and ``closed`` count notifiers built and closed, for tests and
    benchmarks.
    """

    def __init__(self, idle_seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_seconds = idle_seconds
        self.opened = 0
        self.closed = 0
        self._clock = clock
        self._cond = threading.Condition()
        self._entries: dict[tuple[int, str], _Entry] = {}
        self._reaper: threading.Thread | None = None
        _watch_forks(self)

    def __len__(self) -> int:
        """How many notifiers are kept (borrowed or idle)."""
        with self._cond:
            return len(self._entries)

    def borrow(self, channels: ChannelService, channel_name: str) -> Notifier:
        """The open notifier of channel ``channel_name`` (built and opened if needed); hand it
        back with :meth:`give_back` when the job is done.

        :raises hub.ConfigError: no such channel, or its config no longer builds a notifier.
        """
        channel = channels.get(channel_name)
        assert channel.id is not None
        key = (channel.id, config_version(channel))
        replaced: list[_Entry] = []
        try:
            with self._cond:
                for other_key, other in list(self._entries.items()):
                    if other.channel_id == channel.id and other_key != key:
                        other.retired = True  # the channel was edited: stop using the old one
                        if not other.borrowed:
                            del self._entries[other_key]
                            replaced.append(other)
                entry = self._entries.get(key)
                if entry is None:
                    notifier = channels.notifier_for(channel)
                    opener = getattr(notifier, "open", None)
                    if callable(opener):
                        opener()
                    entry = _Entry(channel.id, key[1], notifier, self._clock())
                    self._entries[key] = entry
                    self.opened += 1
                entry.borrowed += 1
                return entry.notifier
        finally:
            self._close(replaced)

    def give_back(self, notifier: Notifier, *, broken: bool = False) -> None:
        """Return a borrowed notifier. ``broken``: it failed while sending (a dropped or
        refused connection, an unexpected error): close it rather than reuse it."""
        to_close: list[_Entry] = []
        with self._cond:
            key, entry = self._find(notifier)
            if entry is None:  # not ours (or forgotten after a fork): do not leak it
                to_close.append(_Entry(0, "", notifier, 0.0))
            else:
                entry.borrowed = max(entry.borrowed - 1, 0)
                entry.last_used = self._clock()
                if broken:
                    entry.retired = True
                if entry.borrowed == 0 and (entry.retired or self.idle_seconds <= 0):
                    del self._entries[key]
                    to_close.append(entry)
                elif entry.borrowed == 0:
                    self._start_reaper()
        self._close(to_close)

    def close_idle(self, now: float | None = None) -> int:
        """Close the notifiers not borrowed and unused for ``idle_seconds``; return how many."""
        now = self._clock() if now is None else now
        with self._cond:
            expired = self._pop_expired(now)
        self._close(expired)
        return len(expired)

    def close_all(self) -> None:
        """Close every notifier (the ones still borrowed when they are given back) and stop
        the idle timer. The sessions stay usable: a later borrow opens a new notifier."""
        with self._cond:
            idle = [e for e in self._entries.values() if not e.borrowed]
            for key, entry in list(self._entries.items()):
                entry.retired = True
                if not entry.borrowed:
                    del self._entries[key]
            self._reaper = None
            self._cond.notify_all()
        self._close(idle)

    # --- internals ------------------------------------------------------------------------------

    def _find(self, notifier: Notifier) -> tuple[tuple[int, str], _Entry | None]:
        for key, entry in self._entries.items():
            if entry.notifier is notifier:
                return key, entry
        return (0, ""), None

    def _pop_expired(self, now: float) -> list[_Entry]:
        expired = [
            (key, e)
            for key, e in self._entries.items()
            if not e.borrowed and now - e.last_used >= self.idle_seconds
        ]
        for key, _ in expired:
            del self._entries[key]
        return [e for _, e in expired]

    def _start_reaper(self) -> None:
        """(Caller holds the lock.) Make sure the idle timer runs, and let it re-plan."""
        if self._reaper is None or not self._reaper.is_alive():
            self._reaper = threading.Thread(
                target=self._reap, name="hub-notifier-sessions", daemon=True
            )
            self._reaper.start()
        self._cond.notify_all()

    def _reap(self) -> None:
        """The idle timer: sleeps until the oldest idle notifier expires, closes it, and ends
        when nothing is kept any more (the next give-back starts a new one)."""
        me = threading.current_thread()
        while True:
            with self._cond:
                if self._reaper is not me:
                    return
                now = self._clock()
                expired = self._pop_expired(now)
                if not expired:
                    if not self._entries:
                        self._reaper = None
                        return
                    idle = [e.last_used for e in self._entries.values() if not e.borrowed]
                    wake = (min(idle) if idle else now) + self.idle_seconds
                    self._cond.wait(max(wake - now, 0.005))
                    continue
            self._close(expired)

    def _close(self, entries: list[_Entry]) -> None:
        for entry in entries:
            closer = getattr(entry.notifier, "close", None)
            if not callable(closer):
                continue
            try:
                closer()
            except Exception:  # closing is best effort: the server may be gone already
                log.warning("closing a %s notifier failed", entry.notifier.name, exc_info=True)
            with self._cond:
                self.closed += 1

    def _forget(self) -> None:
        """In a forked child: drop the parent's notifiers unclosed (their sockets are the
        parent's), and close whatever the child opens when its job ends (a forked child runs
        one job and exits without cleaning up)."""
        self._cond = threading.Condition()
        self._entries = {}
        self._reaper = None
        self.idle_seconds = 0


_LIVE: weakref.WeakSet[NotifierSessions] = weakref.WeakSet()
_fork_hook_installed = False


def _watch_forks(sessions: NotifierSessions) -> None:
    global _fork_hook_installed
    _LIVE.add(sessions)
    if not _fork_hook_installed and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _fork_hook_installed = True


def _after_fork_in_child() -> None:
    for sessions in list(_LIVE):
        sessions._forget()


__all__ = ["NotifierSessions", "config_version"]
