"""Targeted work outside a full run: refresh one record, reprocess quarantined records.

Both go through the same mapping, validation, upsert and quarantine path as a sync page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, Table, select, update

from hub.connections import ConnectionService
from hub.connectors import ConnectorContext, LocalContext
from hub.errors import ConfigError
from hub.models import QuarantinedRecord, utcnow
from hub.records import RecordChange
from hub.recordstore import mark_deleted
from hub.sync.engine import (
    announce,
    compile_mapper,
    connection_service,
    load_connection,
)
from hub.sync.lookups import DbLookup
from hub.sync.pipeline import MappedPage, map_page, store_page

_QUARANTINE: Table = QuarantinedRecord.__table__  # type: ignore[attr-defined]


def refresh_record(
    engine: Engine,
    connection_id: int,
    object_type: str,
    external_id: str,
    *,
    context: ConnectorContext | None = None,
    connections: ConnectionService | None = None,
) -> list[RecordChange]:
    """Re-read one record from the source (``Connector.fetch``) and store it; return the changes.

    A record the source no longer has is marked deleted. A record that fails validation is
    quarantined like during a sync.
    """
    connection = load_connection(engine, connection_id)
    service = connections or connection_service(engine)
    connector = service.connector_for(connection, context or LocalContext())
    try:
        stream = next((s for s in connector.streams() if s.object_type == object_type), None)
        if stream is None:
            raise ConfigError(f"connector {connection.plugin!r} has no {object_type} stream")
        raw = connector.fetch(object_type, external_id)
        lookups = DbLookup(engine, connection_id, connector.reference_table)
        if raw is None:
            with engine.begin() as conn:
                changes = mark_deleted(conn, connection_id, object_type, [external_id])
        else:
            mapper = compile_mapper(engine, connection, object_type, lookups)
            mapped = map_page(mapper, [raw], stream.primary_key)
            with engine.begin() as conn:
                outcome = store_page(
                    conn,
                    connection_id=connection_id,
                    run_id=None,
                    object_type=object_type,
                    stream=stream.name,
                    mapped=mapped,
                )
            changes = outcome.changes
    finally:
        connector.close()
    announce(engine, connection_id, object_type, changes)
    return changes


def reprocess_quarantined(
    engine: Engine,
    connection_id: int,
    ids: Sequence[int] | None = None,
    *,
    payloads: Mapping[int, Mapping[str, Any]] | None = None,
) -> dict[str, int]:
    """Map open quarantined records again with the current mappings (e.g. after a fix).

    :param ids: only these quarantine rows (default: every open row of the connection).
    :param payloads: edited raw payloads by quarantine id (edit-and-retry); others use the stored one.
    :returns: ``{"resolved": n, "still_invalid": m}``.
    """
    connection = load_connection(engine, connection_id)
    payloads = payloads or {}
    query = select(_QUARANTINE).where(
        _QUARANTINE.c.connection_id == connection_id, _QUARANTINE.c.status == "open"
    )
    if ids is not None:
        query = query.where(_QUARANTINE.c.id.in_(list(ids)))
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query.order_by(_QUARANTINE.c.id))]
    if ids is not None:
        missing = set(ids) - {r["id"] for r in rows}
        if missing:
            raise ConfigError(
                f"no open quarantined record with id {', '.join(map(str, sorted(missing)))} "
                f"on connection {connection.name!r}"
            )
    lookups = DbLookup(engine, connection_id)
    summary = {"resolved": 0, "still_invalid": 0}
    by_object: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_object.setdefault(row["object_type"], []).append(row)
    for object_type, group in by_object.items():
        mapper = compile_mapper(engine, connection, object_type, lookups)
        all_changes: list[RecordChange] = []
        for row in group:
            payload = dict(payloads.get(row["id"], row["payload"]))
            mapped = map_page(mapper, [payload])
            now = utcnow()
            with engine.begin() as conn:
                if mapped.good:
                    outcome = store_page(
                        conn,
                        connection_id=connection_id,
                        run_id=None,
                        object_type=object_type,
                        stream=row["stream"],
                        mapped=MappedPage(good=mapped.good),
                    )
                    all_changes.extend(outcome.changes)
                    values: dict[str, Any] = {"status": "resolved", "payload": payload}
                    summary["resolved"] += 1
                else:
                    errors = [e.as_dict() for item in mapped.rejected for e in item.errors]
                    values = {"errors": errors, "payload": payload}
                    summary["still_invalid"] += 1
                conn.execute(
                    update(_QUARANTINE)
                    .where(_QUARANTINE.c.id == row["id"])
                    .values(attempts=_QUARANTINE.c.attempts + 1, updated_at=now, **values)
                )
        announce(engine, connection_id, object_type, all_changes)
    return summary


__all__ = ["refresh_record", "reprocess_quarantined"]
