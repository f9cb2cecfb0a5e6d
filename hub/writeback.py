"""Write-back of customer contact details to the source (bidirectional connections only).

Flow of :func:`write_back_customer`:

1. Refuse unless the connection's direction is ``"bidirectional"`` and its connector lists
   ``"customer"`` in ``writable_objects``; refuse fields other than name, email and phone.
2. Call ``Connector.write("customer", id, {...changes, "edited_at": ...})``. The connector settles
   conflicts by last-modified time: when the source changed the record after ``edited_at`` (the
   moment of the hub-side edit), the source's version wins and nothing is written.
3. Refresh the record through :func:`hub.sync.refresh_record`, so the hub stores exactly what the
   source now holds (including its new last-modified time). The next incremental sync reads the
   same content, finds the record unchanged and has nothing to report or push back: no echo loop.
4. Log the outcome in the connection's :class:`~hub.models.SyncLogEntry` rows: ``info`` when
   written, ``warning`` when the source's newer values won.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, insert, select

from hub.connections import ConnectionService
from hub.connectors import ConnectorContext, LocalContext
from hub.errors import ConfigError
from hub.models import Customer, SyncLogEntry, utcnow
from hub.records import RecordChange
from hub.sync import refresh_record
from hub.sync.engine import connection_service, load_connection

#: Canonical customer fields a hub user may write back.
WRITABLE_CUSTOMER_FIELDS = ("name", "email", "phone")
#: The key carrying the hub-side edit time in the changes passed to ``Connector.write``.
EDITED_AT = "edited_at"
BIDIRECTIONAL = "bidirectional"

_CUSTOMER: Table = Customer.__table__  # type: ignore[attr-defined]
_LOG: Table = SyncLogEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class WriteBackResult:
    """What a write-back did.

    :ivar status: ``"written"`` (the source took the changes) or ``"conflict"`` (the source
        changed the record after the hub edit; its values were kept and stored in the hub).
    :ivar fields: the canonical fields that were asked to change.
    :ivar kept: for a conflict, the source's values that won (field → value).
    :ivar record: the hub's canonical customer after the refresh.
    :ivar changes: what the refresh changed in the hub.
    """

    connection_id: int
    external_id: str
    status: str
    fields: tuple[str, ...]
    record: dict[str, Any]
    kept: dict[str, Any] = field(default_factory=dict)
    changes: list[RecordChange] = field(default_factory=list)

    @property
    def written(self) -> bool:
        """True when the source now holds the requested values."""
        return self.status == "written"


def validate_customer_changes(changes: Mapping[str, Any]) -> dict[str, str | None]:
    """The changes as canonical values; :class:`ConfigError` for unknown fields or bad values."""
    if not changes:
        raise ConfigError(
            "nothing to write back",
            causes=[f"give at least one of: {', '.join(WRITABLE_CUSTOMER_FIELDS)}"],
        )
    unknown = sorted(set(changes) - set(WRITABLE_CUSTOMER_FIELDS))
    if unknown:
        raise ConfigError(
            f"cannot write back customer field(s) {', '.join(unknown)}",
            causes=[f"writable fields: {', '.join(WRITABLE_CUSTOMER_FIELDS)}"],
        )
    clean: dict[str, str | None] = {}
    for name, value in changes.items():
        text = None if value is None else str(value).strip()
        if name == "name" and not text:
            raise ConfigError("a customer's name cannot be empty", path=f"$.{name}")
        if name == "email" and text and ("@" not in text or " " in text):
            raise ConfigError(f"not an email address: {text!r}", path=f"$.{name}")
        clean[name] = text or None
    return clean


def write_back_customer(
    engine: Engine,
    connection_id: int,
    external_id: str,
    changes: Mapping[str, Any],
    *,
    author: str,
    edited_at: datetime | None = None,
    context: ConnectorContext | None = None,
    connections: ConnectionService | None = None,
) -> WriteBackResult:
    """Write canonical customer ``changes`` (name/email/phone) back to the connection's source.

    :param author: who made the edit (recorded in the log).
    :param edited_at: when the edit was made in the hub (default: now); a source change after
        this time wins the conflict.
    :raises ConfigError: the connection is not bidirectional, cannot write customers, the fields
        are not writable, or the customer is unknown to the hub.
    """
    values = validate_customer_changes(changes)
    connection = load_connection(engine, connection_id)
    if connection.direction != BIDIRECTIONAL:
        raise ConfigError(
            f"connection {connection.name!r} is not bidirectional (direction "
            f"{connection.direction!r}); write-back is opt-in",
            causes=['set the connection\'s "direction" to "bidirectional" to allow it'],
        )
    service = connections or connection_service(engine)
    context = context or LocalContext()
    connector = service.connector_for(connection, context)
    try:
        if "customer" not in connector.writable_objects:
            raise ConfigError(
                f"connector {connection.plugin!r} cannot write customers back",
                causes=[
                    "its writable objects: " + (", ".join(connector.writable_objects) or "none")
                ],
            )
        _require_customer(engine, connection_id, external_id)
        when = _aware(edited_at or utcnow())
        connector.write("customer", external_id, {**values, EDITED_AT: when.isoformat()})
    finally:
        connector.close()
    stored = refresh_record(
        engine, connection_id, "customer", external_id, context=context, connections=service
    )
    record = _require_customer(engine, connection_id, external_id)
    kept = {name: record.get(name) for name, value in values.items() if record.get(name) != value}
    result = WriteBackResult(
        connection_id=connection_id,
        external_id=external_id,
        status="conflict" if kept else "written",
        fields=tuple(values),
        record=record,
        kept=kept,
        changes=stored,
    )
    _log(engine, result, author=author, edited_at=when)
    return result


def _aware(when: datetime) -> datetime:
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _require_customer(engine: Engine, connection_id: int, external_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            select(_CUSTOMER.c.data).where(
                _CUSTOMER.c.connection_id == connection_id,
                _CUSTOMER.c.external_id == external_id,
                _CUSTOMER.c.is_deleted.is_(False),
            )
        ).first()
    if row is None:
        raise ConfigError(
            f"no customer {external_id!r} on connection {connection_id} in the hub",
            causes=["sync the connection first, or check the external id"],
        )
    return dict(row.data)


def _log(engine: Engine, result: WriteBackResult, *, author: str, edited_at: datetime) -> None:
    fields = ", ".join(result.fields)
    if result.written:
        level = "info"
        message = f"customer {result.external_id}: wrote {fields} back to the source"
    else:
        level = "warning"
        message = (
            f"customer {result.external_id}: write-back conflict, the source changed the record "
            f"after the hub edit; the source's values of {', '.join(result.kept)} were kept"
        )
    context = {
        "event": "write_back",
        "object_type": "customer",
        "external_id": result.external_id,
        "status": result.status,
        "fields": list(result.fields),
        "author": author,
        "edited_at": edited_at.isoformat(),
        "source_modified_at": result.record.get("updated_at"),
    }
    with engine.begin() as conn:
        conn.execute(
            insert(_LOG).values(
                connection_id=result.connection_id,
                run_id=None,
                level=level,
                message=message,
                context=context,
                created_at=utcnow(),
            )
        )


__all__ = [
    "WRITABLE_CUSTOMER_FIELDS",
    "WriteBackResult",
    "validate_customer_changes",
    "write_back_customer",
]
