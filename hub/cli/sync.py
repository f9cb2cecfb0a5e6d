"""``hubctl sync NAME [--full] [--objects ...] [--json] [--enqueue]``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from hub.cli.context import HubContext, pass_hub
from hub.sync import SyncProgress, run_progress, run_sync


def _objects(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [o.strip() for o in value.split(",") if o.strip()] or None


class _Bar:
    """A tqdm progress bar on stderr counting records fetched (the total is unknown upfront)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.seen: dict[str, int] = {}

    def __call__(self, progress: SyncProgress) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(desc="syncing", unit=" records", file=sys.stderr, dynamic_ncols=True)
        delta = progress.fetched - self.seen.get(progress.stream, 0)
        self.seen[progress.stream] = progress.fetched
        counts = progress.counts
        self.bar.set_postfix_str(
            f"{progress.stream}: {counts.get('created', 0)} new, "
            f"{counts.get('updated', 0)} updated, {counts.get('quarantined', 0)} quarantined",
            refresh=False,
        )
        self.bar.update(delta)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@click.command()
@click.argument("name")
@click.option("--full", is_flag=True, help="Re-read everything from scratch (history is kept).")
@click.option("--objects", help="Comma-separated objects, e.g. customers,invoices (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
@click.option("--enqueue", is_flag=True, help="Hand the sync to the workers instead.")
@pass_hub
def sync(
    hub: HubContext, name: str, full: bool, objects: str | None, as_json: bool, enqueue: bool
) -> None:
    """Sync connection NAME now, in the foreground with a progress bar (exit 0 on success)."""
    connection = hub.connections().get(name)
    assert connection.id is not None
    wanted = _objects(objects)
    if enqueue:
        from hub.queueing import enqueue_sync, redis_connection

        job_id = enqueue_sync(
            connection.id,
            objects=wanted,
            full=full,
            trigger="manual",
            redis=redis_connection(hub.settings),
        )
        if as_json:
            click.echo(json.dumps({"job_id": job_id, "connection": name}))
        else:
            click.echo(f"Queued sync of {name!r} as job {job_id} (see hubctl worker).")
        return
    engine = hub.migrated_engine()
    lock = _take_lock(hub, connection.id)
    bar = _Bar(enabled=not as_json)
    try:
        run = run_sync(
            engine,
            connection.id,
            objects=wanted,
            full=full,
            trigger="cli",
            progress=bar,
            guard=lock.check if lock is not None else None,
            connections=hub.connections(),
        )
    finally:
        bar.close()
        if lock is not None:
            lock.release()
    assert run.id is not None
    summary = run_progress(engine, run.id)
    summary["connection"] = name
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
    else:
        _print_summary(summary)
    if summary["status"] != "succeeded":
        if not as_json:
            click.echo(f"Error: {summary['error']}", err=True)
        sys.exit(1)


def _take_lock(hub: HubContext, connection_id: int) -> Any:
    """The connection's sync lock, so a foreground sync never overlaps a worker's."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from hub.jobs import lock_ttl
    from hub.queueing import redis_connection
    from hub.sync.locks import HeartbeatLock, LockBusy, sync_lock_key

    lock = HeartbeatLock(
        redis_connection(hub.settings), sync_lock_key(connection_id), ttl=lock_ttl()
    )
    try:
        if not lock.acquire():
            raise LockBusy("this connection is syncing in a worker right now; try again later")
    except RedisConnectionError:
        click.echo("Warning: Redis is unreachable; syncing without the worker lock.", err=True)
        return None
    return lock


def _print_summary(summary: dict[str, Any]) -> None:
    click.echo(
        f"Sync run {summary['run_id']} {summary['status']} in {summary['duration_s']} s, "
        f"{summary['http_requests']} HTTP requests."
    )
    for object_type, counts in summary["counts"].items():
        click.echo(
            f"  {object_type:<9} fetched {counts['fetched']:>8}  created {counts['created']:>8}  "
            f"updated {counts['updated']:>8}  unchanged {counts['unchanged']:>8}  "
            f"quarantined {counts['quarantined']:>6}  deleted {counts['deleted']:>6}"
        )


__all__ = ["sync"]
