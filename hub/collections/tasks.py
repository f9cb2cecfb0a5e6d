"""RQ job functions of the collections engine: plain functions taking ids, raising on failure.

A worker builds its engine, plugins and secret box from the environment (``DATABASE_URL``,
``HUB_SECRET_KEY``, ...), once per process and database.

Send jobs and connections: each :func:`send_reminder` job delivers one message. Inside
:func:`kept_sessions` (``hubctl worker`` runs its whole life in it, and runs send jobs in its
own process rather than in a forked child, see :mod:`hub.collections.worker`) consecutive jobs
share one :class:`~hub.collections.sender.Sender` (its policies are reloaded when older than
``POLICY_CACHE_SECONDS``) and borrow their notifiers from one
:class:`~hub.collections.sessions.NotifierSessions`, so they share one SMTP connection per
channel; outside it every job builds its own sender and opens and closes its own connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hub.collections.channels import ChannelService
from hub.collections.outbox import Enqueue
from hub.collections.sender import Sender
from hub.collections.service import run_reminders
from hub.collections.sessions import NotifierSessions
from hub.collections.settings import CollectionsSettings
from hub.crypto import SecretBox
from hub.db import make_engine
from hub.plugins import get_plugin_host
from hub.settings import Settings

_ServiceKey = tuple[str, str | None, tuple[str, ...], CollectionsSettings]


@dataclass
class _Kept:
    """What a :func:`kept_sessions` block keeps between jobs."""

    sessions: NotifierSessions
    senders: dict[_ServiceKey, Sender] = field(default_factory=dict)


_SERVICES: dict[_ServiceKey, tuple[ChannelService, CollectionsSettings]] = {}
_KEPT: list[_Kept] = []  # the innermost kept_sessions() block is last


def _services() -> tuple[_ServiceKey, ChannelService, CollectionsSettings]:
    """The channel service and settings for the current environment (built once per database,
    key and settings, so a process whose environment changes, like a test run, is served
    right), and the key they are cached under."""
    settings = Settings.from_env()
    collections = CollectionsSettings.from_env()
    key: _ServiceKey = (
        settings.database_url,
        settings.secret_key,
        settings.secret_key_fallbacks,
        collections,
    )
    found = _SERVICES.get(key)
    if found is None:
        box = (
            SecretBox(settings.secret_key, settings.secret_key_fallbacks)
            if settings.secret_key
            else None
        )
        engine = make_engine(settings.database_url)
        found = _SERVICES[key] = (ChannelService(engine, get_plugin_host(), box), collections)
    return key, found[0], found[1]


def dispose_services() -> None:
    """Close the database engines the jobs of this process opened."""
    for kept in _KEPT:
        kept.senders.clear()
    while _SERVICES:
        _SERVICES.popitem()[1][0].engine.dispose()


@contextmanager
def kept_sessions(idle_seconds: float | None = None) -> Iterator[NotifierSessions]:
    """Within the block, :func:`send_reminder` calls in this process share a sender and reuse
    their notifiers (SMTP connections) from one job to the next; each notifier is closed after
    ``idle_seconds`` unused (default: ``HUB_REMINDER_SESSION_IDLE``), after a send error, and at
    the end of the block.

    For processes that run many send jobs one after the other: ``hubctl worker`` wraps its
    work loop in it. Not for a forking worker's per-job child, which exits after one job."""
    if idle_seconds is None:
        idle_seconds = CollectionsSettings.from_env().session_idle_seconds
    kept = _Kept(NotifierSessions(idle_seconds))
    _KEPT.append(kept)
    try:
        yield kept.sessions
    finally:
        _KEPT.remove(kept)
        kept.senders.clear()
        kept.sessions.close_all()


def send_reminder(reminder_id: int) -> str:
    """Send the message of reminder ``reminder_id`` (one job per message and channel).

    Every outcome is recorded in the outbox and returned (``sent``, ``suppressed``, ``failed``,
    ``retry``, ``skipped``...). Retries belong to the outbox, not to RQ: a transient failure puts
    the message back to ``scheduled`` with a back-off, and the dispatch pass enqueues it again.
    Inside :func:`kept_sessions` the channel's connection stays open for the next job.
    """
    key, channels, settings = _services()
    kept = _KEPT[-1] if _KEPT else None
    if kept is None:
        sender = Sender(channels.engine, channels, settings)
    else:
        found = kept.senders.get(key)
        if found is None:
            found = Sender(channels.engine, channels, settings, sessions=kept.sessions)
            kept.senders[key] = found
        sender = found
    try:
        return sender.deliver(reminder_id).status
    finally:
        sender.close()  # closes its notifiers, or gives borrowed ones back for the next job


def queue_enqueuer(queue: str | None = None, redis: Any = None) -> Enqueue:
    """An :data:`Enqueue` that puts one :func:`send_reminder` job per message on RQ.

    The job id is derived from the message key, so a message waiting in the queue is not enqueued
    twice. Jobs carry no RQ retry: an RQ retry of a job abandoned by a killed worker would sit
    *scheduled* under the same id, hide the message from recovery (the coalescing check sees an
    "active" job) and never run under a worker without a scheduler, leaving the row stuck. The
    outbox lease and ``attempts`` drive every retry instead."""
    from hub.queueing import enqueue_job, safe_job_id

    name = queue or CollectionsSettings.from_env().queue

    def enqueue(lead: int, key: str) -> None:
        # The outbox claim, not the queue, guards against double sends: a "started" job left by a
        # killed worker must not block the re-enqueue of its message.
        enqueue_job(
            send_reminder,
            lead,
            job_id=safe_job_id("reminder", key),
            queue=name,
            redis=redis,
            retry=None,
            alive=lambda: False,
        )

    return enqueue


def plan_and_dispatch() -> dict[str, Any]:
    """Plan reminders for every connection and enqueue what is due (the scheduler's job)."""
    _, channels, settings = _services()
    summary = run_reminders(
        channels.engine,
        channels,
        enqueue=queue_enqueuer(settings.queue),
        lease_seconds=settings.lease_seconds,
        max_attempts=settings.max_attempts,
    )
    return summary.as_dict()


__all__ = [
    "dispose_services",
    "kept_sessions",
    "plan_and_dispatch",
    "queue_enqueuer",
    "send_reminder",
]
