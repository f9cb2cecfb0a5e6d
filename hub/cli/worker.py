"""``hubctl worker`` and ``hubctl scheduler``: the background processes."""

from __future__ import annotations

import logging

import click

from hub.cli.context import HubContext, pass_hub
from hub.queueing import DEFAULT_QUEUE, get_queue, redis_connection


def default_queues() -> tuple[str, ...]:
    """Every queue the hub enqueues on: syncs and other jobs, then reminder sends.

    A worker started without ``--queue`` must serve them all, or reminders planned by the
    scheduler would wait forever on a queue nobody works on.
    """
    from hub.collections.settings import CollectionsSettings

    reminders = CollectionsSettings.from_env().queue
    return (DEFAULT_QUEUE,) if reminders == DEFAULT_QUEUE else (DEFAULT_QUEUE, reminders)


def preload() -> None:
    """Load plugins and job modules once in the worker, before RQ forks a process per job.

    Without it every job's child process imports every plugin again (about a second), which is
    most of the latency between a payment webhook and its reminders being cancelled.
    """
    import hub.collections.tasks  # noqa: F401
    import hub.jobs  # noqa: F401
    import hub.web.webhook_jobs  # noqa: F401
    from hub.plugins import get_plugin_host

    host = get_plugin_host()
    host.connectors()  # collect every registration now
    for name in host.connectors():
        host.connector(name)


@click.command()
@click.option(
    "--queue",
    "queues",
    multiple=True,
    help=f"Queue to work on (repeatable; default: {DEFAULT_QUEUE} and the reminder queue).",
)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--name", help="Worker name (default: host and pid).")
@pass_hub
def worker(hub: HubContext, queues: tuple[str, ...], burst: bool, name: str | None) -> None:
    """Run an RQ worker (with the RQ scheduler, so retries and delayed jobs run).

    Start as many as you like, on any machine sharing REDIS_URL and DATABASE_URL. Reminder
    sends run in the worker process and reuse each channel's connection between jobs
    (HUB_REMINDER_SESSION_IDLE seconds); other jobs run in a forked child each.
    """
    from rq.serializers import JSONSerializer

    from hub.collections.worker import HubWorker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    hub.migrated_engine()
    preload()
    redis = redis_connection(hub.settings)
    worker_queues = [get_queue(q, redis) for q in (queues or default_queues())]
    rq_worker = HubWorker(
        worker_queues, connection=redis, serializer=JSONSerializer, name=name or None
    )
    rq_worker.work(with_scheduler=True, burst=burst)


@click.command()
@click.option("--tick", default=10.0, show_default=True, help="Seconds between checks.")
@click.option("--once", is_flag=True, help="Enqueue what is due now, then exit.")
@pass_hub
def scheduler(hub: HubContext, tick: float, once: bool) -> None:
    """Enqueue due syncs and the nightly reconciliation (safe to run twice: no double enqueue)."""
    from hub.scheduler import run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_scheduler(hub.migrated_engine(), redis_connection(hub.settings), tick=tick, once=once)


__all__ = ["scheduler", "worker"]
