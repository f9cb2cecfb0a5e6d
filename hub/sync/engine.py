"""The sync run: every selected stream, page by page, each page committed with its new state.

For each page the engine maps and validates the raw records, bulk-upserts the valid ones,
quarantines the invalid ones, marks deletions, saves the stream state and the run's live counts —
all in ONE transaction. A process killed at any instant therefore leaves the database at a page
boundary, and the next run resumes after the last committed page. A failing stream is recorded and
the others carry on.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, insert, update
from sqlmodel import Session

from hub.connections import ConnectionService
from hub.connectors import Connector, ConnectorContext, LocalContext, StreamSpec
from hub.crypto import SecretBox
from hub.errors import AuthenticationError, ConfigError, HubError, TransientError
from hub.mapping import Mapper, registered_transforms
from hub.mappings import MappingService
from hub.models import Connection, SyncLogEntry, SyncRun, utcnow
from hub.plugins import get_plugin_host
from hub.records import RecordChange
from hub.redaction import redact
from hub.settings import Settings
from hub.sync.gctune import fewer_gc_passes
from hub.sync.lookups import DbLookup
from hub.sync.pipeline import map_page, store_page
from hub.sync.progress import (
    SyncProgress,
    create_run,
    finish_run,
    interrupt_stale_runs,
    new_counts,
    start_run,
    write_counts,
)
from hub.sync.quarantine import open_count
from hub.sync.readahead import configured_depth, read_ahead
from hub.sync.state import load_state, save_state

log = logging.getLogger("hub.sync")
ProgressCallback = Callable[[SyncProgress], None]
Guard = Callable[[], None]


def connection_service(engine: Engine, settings: Settings | None = None) -> ConnectionService:
    """A :class:`ConnectionService` with the secret key from the environment."""
    settings = settings or Settings.from_env()
    box = (
        SecretBox(settings.secret_key, settings.secret_key_fallbacks)
        if settings.secret_key
        else None
    )
    return ConnectionService(engine, get_plugin_host(), box)


def load_connection(engine: Engine, connection_id: int) -> Connection:
    """The connection row; :class:`ConfigError` if it was removed."""
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(Connection, connection_id)
    if row is None:
        raise ConfigError(f"no connection with id {connection_id} (was it removed?)")
    return row


def compile_mapper(
    engine: Engine, connection: Connection, object_type: str, lookups: Any
) -> Mapper:
    """Compile the connection's current mapping document of ``object_type``."""
    assert connection.id is not None
    with Session(engine) as session:
        current = MappingService(session, get_plugin_host()).current(connection.id, object_type)
    if current is None:
        raise ConfigError(
            f"connection {connection.name!r} has no {object_type} mapping",
            causes=[f"run `hubctl mappings reset {connection.name} {object_type}` or save one"],
        )
    return Mapper.compile(current.document, transforms=registered_transforms(), lookups=lookups)


def select_streams(
    connector: Connector, connection: Connection, objects: Sequence[str] | None
) -> list[StreamSpec]:
    """The streams to sync: ``objects`` (object types or stream names) or the connection's."""
    streams = list(connector.streams())
    if not objects:
        wanted = set(connection.objects or [s.object_type for s in streams])
        return [s for s in streams if s.object_type in wanted]
    asked = {o.strip().lower() for o in objects if o.strip()}
    chosen = [s for s in streams if s.name in asked or s.object_type in asked]
    known = {s.name for s in chosen} | {s.object_type for s in chosen}
    unknown = sorted(asked - known)
    if unknown:
        offered = ", ".join(s.name for s in streams)
        raise ConfigError(f"unknown objects {', '.join(unknown)}; this connector offers {offered}")
    return chosen


def set_connection_status(engine: Engine, connection_id: int, status: str, message: str) -> None:
    """Record a connection's health as the admin sees it."""
    table = Connection.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(
            update(table)
            .where(table.c.id == connection_id)
            .values(status=status, status_message=redact(message), updated_at=utcnow())
        )


def add_log(
    engine: Engine, connection_id: int, run_id: int | None, level: str, message: str, **ctx: Any
) -> None:
    """Append a line to a run's log."""
    with engine.begin() as conn:
        conn.execute(
            insert(SyncLogEntry.__table__).values(  # type: ignore[attr-defined]
                connection_id=connection_id,
                run_id=run_id,
                level=level,
                message=redact(message)[:4000],
                context=ctx,
                created_at=utcnow(),
            )
        )


def announce(
    engine: Engine, connection_id: int, object_type: str, changes: Sequence[RecordChange]
) -> None:
    """Fire ``records_changed`` for committed changes; a failing listener never fails the sync."""
    if not changes:
        return
    try:
        get_plugin_host().records_changed(connection_id, object_type, changes, engine)
    except Exception:
        log.exception("a records_changed listener failed (connection %s)", connection_id)


class _Run:
    """State of one run while it goes through its streams."""

    def __init__(
        self,
        engine: Engine,
        connection: Connection,
        connector: Connector,
        context: ConnectorContext,
        run_id: int,
        full: bool,
        progress: ProgressCallback | None,
        guard: Guard | None,
    ) -> None:
        assert connection.id is not None
        self.engine = engine
        self.connection = connection
        self.connection_id: int = connection.id
        self.connector = connector
        self.context = context
        self.run_id = run_id
        self.full = full
        self.progress = progress
        self.guard = guard
        self.counts: dict[str, dict[str, Any]] = {}
        self.lookups = DbLookup(engine, connection.id, connector.reference_table)
        self.announce_changes = get_plugin_host().has_listeners("records_changed")

    def sync_stream(self, spec: StreamSpec) -> None:
        counts = self.counts.setdefault(spec.object_type, new_counts())
        mapper = compile_mapper(self.engine, self.connection, spec.object_type, self.lookups)
        state = None if self.full else load_state(self.engine, self.connection_id, spec.name)
        with self.engine.connect() as conn:
            has_quarantine = open_count(conn, self.connection_id, spec.object_type) > 0
        pages = read_ahead(self.connector.read(spec.name, state), configured_depth())
        for page in pages:
            self.lookups.new_page()
            mapped = map_page(mapper, page.records, spec.primary_key)
            if self.guard is not None:
                self.guard()
            with self.engine.begin() as conn:
                outcome = store_page(
                    conn,
                    connection_id=self.connection_id,
                    run_id=self.run_id,
                    object_type=spec.object_type,
                    stream=spec.name,
                    mapped=mapped,
                    deleted=page.deleted,
                    resolve_quarantine=has_quarantine,
                    want_changes=self.announce_changes,
                )
                has_quarantine = has_quarantine or outcome.quarantined > 0
                save_state(conn, self.connection_id, spec.name, page.state)
                counts["fetched"] += len(page.records)
                counts["pages"] += 1
                for key in ("created", "updated", "unchanged", "quarantined", "deleted"):
                    counts[key] += getattr(outcome, key)
                write_counts(conn, self.run_id, self.counts, self.context.requests_made)
            announce(self.engine, self.connection_id, spec.object_type, outcome.changes)
            self._report(spec, counts, done=False)
        self._report(spec, counts, done=True)

    def _report(self, spec: StreamSpec, counts: dict[str, Any], *, done: bool) -> None:
        if self.progress is not None:
            self.progress(
                SyncProgress(
                    self.run_id,
                    spec.name,
                    spec.object_type,
                    counts["fetched"],
                    counts["pages"],
                    done,
                    dict(counts),
                )
            )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, HubError):
        return redact(str(exc))
    return redact(f"{type(exc).__name__}: {exc}")


def run_sync(
    engine: Engine,
    connection_id: int,
    *,
    objects: Sequence[str] | None = None,
    full: bool = False,
    trigger: str = "manual",
    progress: ProgressCallback | None = None,
    context: ConnectorContext | None = None,
    run_id: int | None = None,
    guard: Guard | None = None,
    raise_errors: bool = False,
    connections: ConnectionService | None = None,
) -> SyncRun:
    """Sync a connection in the foreground and return its finished :class:`SyncRun` row.

    :param objects: object types or stream names to sync (default: the connection's objects).
    :param full: read every stream from scratch (history is kept; nothing is deleted).
    :param context: the connector's runtime context (default: a :class:`LocalContext`).
    :param run_id: a run row created beforehand (status ``queued``) to use.
    :param guard: called before each page commit; raises to stop (e.g. the lock was lost).
    :param raise_errors: re-raise the first stream error after recording the run (jobs use this so
        RQ retries transient failures); otherwise failures are only recorded in the run.

    A :class:`ConfigError` marks the connection ``error`` with the message the admin must see.
    """
    connection = load_connection(engine, connection_id)
    context = context or LocalContext()
    service = connections or connection_service(engine)
    names = list(objects or [])
    if run_id is None:
        run_id = create_run(engine, connection_id, objects=names, full=full, trigger=trigger)
    else:
        start_run(engine, run_id, objects=names, full=full)
    interrupt_stale_runs(engine, connection_id, keep=run_id)
    errors: list[tuple[str, BaseException]] = []
    run: _Run | None = None
    streams: list[StreamSpec] = []
    connector: Connector | None = None
    try:
        connector = service.connector_for(connection, context)
        streams = select_streams(connector, connection, objects)
        run = _Run(engine, connection, connector, context, run_id, full, progress, guard)
        for spec in streams:
            try:
                with fewer_gc_passes():
                    run.sync_stream(spec)
            except Exception as exc:  # one stream failing never stops the others
                errors.append((spec.name, exc))
                add_log(engine, connection_id, run_id, "error", f"{spec.name}: {_describe(exc)}")
                if not isinstance(exc, HubError):
                    log.error("stream %s failed:\n%s", spec.name, traceback.format_exc())
                if isinstance(exc, AuthenticationError):
                    break  # the credentials fail for every stream alike
    except Exception as exc:
        errors.append(("connection", exc))
    finally:
        if connector is not None:
            connector.close()
    failed = {name for name, _ in errors}
    ok_streams = [s for s in streams if s.name not in failed]
    if not errors:
        status = "succeeded"
    elif ok_streams:
        status = "partial"
    else:
        status = "failed"
    message = "; ".join(f"{name}: {_describe(exc)}" for name, exc in errors) or None
    counts = run.counts if run is not None else {}
    finish_run(
        engine,
        run_id,
        status=status,
        counts=counts,
        http_requests=context.requests_made,
        error=message,
    )
    config_errors = [exc for _, exc in errors if isinstance(exc, ConfigError)]
    if config_errors:
        set_connection_status(engine, connection_id, "error", _describe(config_errors[0]))
    elif not errors and connection.status == "error":
        set_connection_status(engine, connection_id, "active", "the last sync succeeded")
    if errors and raise_errors:
        transient: list[BaseException] = [e for _, e in errors if isinstance(e, TransientError)]
        raise (transient or [e for _, e in errors])[0]
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(SyncRun, run_id)
    assert row is not None
    return row


__all__ = [
    "SyncProgress",
    "add_log",
    "announce",
    "compile_mapper",
    "connection_service",
    "load_connection",
    "run_sync",
    "select_streams",
    "set_connection_status",
]
