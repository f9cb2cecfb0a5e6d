"""RQ job functions of the collections engine: plain functions taking ids, raising on failure.

A worker builds its engine, plugins and secret box from the environment (``DATABASE_URL``,
``HUB_SECRET_KEY``, ...), once per process.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from hub.collections.channels import ChannelService
from hub.collections.outbox import Enqueue
from hub.collections.sender import Sender
from hub.collections.service import run_reminders
from hub.collections.settings import CollectionsSettings
from hub.crypto import SecretBox
from hub.db import make_engine
from hub.plugins import get_plugin_host
from hub.settings import Settings


@cache
def _services() -> tuple[ChannelService, CollectionsSettings]:
    settings = Settings.from_env()
    box = (
        SecretBox(settings.secret_key, settings.secret_key_fallbacks)
        if settings.secret_key
        else None
    )
    engine = make_engine(settings.database_url)
    return ChannelService(engine, get_plugin_host(), box), CollectionsSettings.from_env()


def send_reminder(reminder_id: int) -> str:
    """Send the message of reminder ``reminder_id`` (one job per message and channel).

    Every outcome is recorded in the outbox and returned (``sent``, ``suppressed``, ``failed``,
    ``retry``, ``skipped``...). Retries belong to the outbox, not to RQ: a transient failure puts
    the message back to ``scheduled`` with a back-off, and the dispatch pass enqueues it again.
    """
    channels, settings = _services()
    sender = Sender(channels.engine, channels, settings)
    try:
        return sender.deliver(reminder_id).status
    finally:
        sender.close()


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
    channels, settings = _services()
    summary = run_reminders(
        channels.engine,
        channels,
        enqueue=queue_enqueuer(settings.queue),
        lease_seconds=settings.lease_seconds,
        max_attempts=settings.max_attempts,
    )
    return summary.as_dict()


__all__ = ["plan_and_dispatch", "queue_enqueuer", "send_reminder"]
