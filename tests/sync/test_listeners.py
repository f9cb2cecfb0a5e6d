"""``records_changed`` after each committed page: big pages, the built-in listener, no listener."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import Engine, Table, func, select

from hub import RecordChange, hookimpl
from hub.models import Invoice
from hub.plugins import PluginHost
from hub.sync import run_sync

from .conftest import Factory
from .helpers import set_config

INVOICES: Table = Invoice.__table__  # type: ignore[attr-defined]


class Recorder:
    """A plugin that keeps every ``records_changed`` call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[RecordChange]]] = []

    @hookimpl
    def records_changed(
        self, connection_id: int, object_type: str, changes: Sequence[RecordChange]
    ) -> None:
        self.calls.append((object_type, list(changes)))


def test_big_pages_reach_the_builtin_listener_on_the_sync_database(
    engine: Engine,
    make_connection: Factory,
    hub_env: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Regression: the collections listener failed on ``SELECT ... FROM invoice WHERE external_id
    IN (...)`` (901 parameters) because it read another database than the sync wrote to (the
    benchmark did not set DATABASE_URL). With the hub environment set, pages of 1,200 records —
    more ids than one IN chunk — go through the listener without an error."""
    cid = make_connection(customers=0, invoices=1200, page_size=1200, objects=["invoice"])
    with caplog.at_level(logging.ERROR, logger="hub.sync"):
        first = run_sync(engine, cid)
        set_config(engine, cid, version=2000)  # every third invoice becomes paid
        second = run_sync(engine, cid, full=True)
    assert first.status == second.status == "succeeded"
    assert second.counts["invoice"]["updated"] == 400
    assert not [r for r in caplog.records if "listener failed" in r.getMessage()]
    with engine.connect() as conn:
        paid = conn.execute(
            select(func.count()).select_from(INVOICES).where(INVOICES.c.status == "paid")
        ).scalar_one()
    assert paid == 400


def test_listeners_get_every_change_once_and_nothing_is_built_without_them(
    engine: Engine, make_connection: Factory, host: PluginHost
) -> None:
    recorder = Recorder()
    host.register(recorder, "recorder")
    cid = make_connection(customers=0, invoices=25, page_size=10, objects=["invoice"])
    assert host.has_listeners("records_changed")
    run_sync(engine, cid)
    changes: list[Any] = [c for _, page in recorder.calls for c in page]
    assert [type_ for type_, _ in recorder.calls] == ["invoice"] * 3
    assert sorted(c.external_id for c in changes) == sorted(f"I{i}" for i in range(25))
    assert {c.action for c in changes} == {"created"}
    assert changes[0].record["external_id"] == changes[0].external_id

    for name in ("recorder", "hub.default_plugins.collections"):
        host.unregister(name)
    assert not host.has_listeners("records_changed")
    set_config(engine, cid, version=1)
    quiet = run_sync(engine, cid)
    assert quiet.status == "succeeded" and quiet.counts["invoice"]["updated"] == 9
    assert len(recorder.calls) == 3  # unregistered: not called again


def test_stored_data_is_the_canonical_record_and_unchanged_records_are_skipped(
    engine: Engine, make_connection: Factory
) -> None:
    """The JSON handed to the driver pre-serialised comes back as the same object, on both
    databases, and a re-sync of identical records writes nothing."""
    from hub.recordstore import content_hash, upsert_records

    cid = make_connection(customers=0, invoices=0)
    record = {
        "external_id": "X1",
        "number": "Nº 7 — Ünïcode",
        "total": "10.00",
        "amount_due": "10.00",
        "custom_fields": {"région": "Île-de-France", "n": 3},
        "lines": [{"description": "été", "amount": "10.00"}],
    }
    with engine.begin() as conn:
        first = upsert_records(conn, cid, "invoice", [record])
        again = upsert_records(conn, cid, "invoice", [dict(reversed(list(record.items())))])
    assert (first.created, again.unchanged, again.updated) == (1, 1, 0)
    with engine.connect() as conn:
        data, custom, digest = conn.execute(
            select(INVOICES.c.data, INVOICES.c.custom_fields, INVOICES.c.content_hash)
        ).one()
    assert data == record and custom == record["custom_fields"]
    assert digest == content_hash(record)
