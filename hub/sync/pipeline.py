"""One page through the hub: map and validate, then store records, deletions and quarantine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from hub.mapping import Mapper
from hub.records import RecordChange
from hub.recordstore import mark_deleted, upsert_records
from hub.sync.quarantine import Rejected, quarantine, resolve


@dataclass
class MappedPage:
    """The mapped records of a page, split into storable ones and rejected ones."""

    good: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


@dataclass
class PageOutcome:
    """What storing one page did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    deleted: int = 0
    resolved: int = 0
    changes: list[RecordChange] = field(default_factory=list)


def map_page(mapper: Mapper, raws: Iterable[Any], primary_key: str = "id") -> MappedPage:
    """Map and validate raw records; a bad one is rejected with its errors, never dropped."""
    page = MappedPage()
    map_one = mapper.map
    for raw in raws:
        result = map_one(raw)
        if result.record is not None:
            page.good.append(result.record)
            continue
        external_id = result.external_id
        if external_id is None and isinstance(raw, Mapping) and raw.get(primary_key) is not None:
            external_id = str(raw[primary_key])
        page.rejected.append(Rejected(raw, external_id, result.errors))
    return page


def store_page(
    conn: Connection,
    *,
    connection_id: int,
    run_id: int | None,
    object_type: str,
    stream: str,
    mapped: MappedPage,
    deleted: Sequence[str] = (),
    resolve_quarantine: bool = True,
    want_changes: bool = True,
) -> PageOutcome:
    """Write a mapped page inside the caller's transaction (the caller also saves the state).

    :param resolve_quarantine: close open quarantine rows of records stored now (skip it when the
        connection is known to have none for this object, to save a query).
    :param want_changes: collect :class:`RecordChange` objects (skip when nobody listens).
    """
    outcome = PageOutcome()
    upserted = upsert_records(
        conn, connection_id, object_type, mapped.good, want_changes=want_changes
    )
    outcome.created, outcome.updated = upserted.created, upserted.updated
    outcome.unchanged = upserted.unchanged
    outcome.changes.extend(upserted.changes or [])
    if mapped.rejected:
        outcome.quarantined = quarantine(
            conn, connection_id, run_id, object_type, stream, mapped.rejected
        )
    if resolve_quarantine and mapped.good:
        outcome.resolved = resolve(
            conn, connection_id, object_type, [str(r["external_id"]) for r in mapped.good]
        )
    if deleted:
        gone = mark_deleted(conn, connection_id, object_type, [str(d) for d in deleted])
        outcome.deleted = len(gone)
        if want_changes:
            outcome.changes.extend(gone)
    return outcome


__all__ = ["MappedPage", "PageOutcome", "map_page", "store_page"]
