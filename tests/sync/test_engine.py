"""The sync engine in the foreground: counts, incremental, full, deletions, failures, quarantine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from hub.connectors import LocalContext
from hub.errors import ConfigError, TransientError
from hub.mappings import MappingService
from hub.models import Connection, Invoice, QuarantinedRecord, SyncState
from hub.plugins import PluginHost
from hub.sync import SyncProgress, refresh_record, reprocess_quarantined, run_progress, run_sync

from .conftest import Factory, service_for
from .helpers import set_config


@pytest.fixture(autouse=True)
def _env(hub_env: dict[str, str]) -> None:
    """Every test here has the hub environment (secret key, database URL) set."""


def _invoices(engine: Engine, connection_id: int) -> dict[str, Any]:
    with Session(engine) as session:
        rows = session.exec(select(Invoice).where(Invoice.connection_id == connection_id))
        return {r.external_id: r for (r,) in rows}


def test_initial_sync_stores_valid_records_and_quarantines_invalid_ones(
    engine: Engine, make_connection: Factory
) -> None:
    cid = make_connection(customers=20, invoices=30, page_size=7, bad_every=10)
    run = run_sync(engine, cid)
    assert run.status == "succeeded"
    assert run.counts["customer"]["fetched"] == 20 and run.counts["customer"]["created"] == 20
    assert run.counts["invoice"]["fetched"] == 30
    assert run.counts["invoice"]["created"] == 27 and run.counts["invoice"]["quarantined"] == 3
    assert run.counts["invoice"]["pages"] == 5
    assert run.http_requests == 3 + 5
    invoices = _invoices(engine, cid)
    assert len(invoices) == 27 and "I10" not in invoices
    assert str(invoices["I4"].total) == "104.0000"
    with Session(engine) as session:
        bad = session.exec(select(QuarantinedRecord)).all()
    assert sorted(q.external_id for (q,) in bad) == ["I0", "I10", "I20"]
    (first,) = [q for (q,) in bad if q.external_id == "I10"]
    assert first.stream == "invoices" and first.payload["currency"] == "XX1"
    assert first.errors[0]["field"] == "currency" and first.errors[0]["rule"]


def test_incremental_sync_reads_only_changes_and_costs_one_request_per_stream(
    engine: Engine, make_connection: Factory
) -> None:
    cid = make_connection(customers=12, invoices=12, page_size=5)
    run_sync(engine, cid)
    context = LocalContext()
    again = run_sync(engine, cid, context=context)
    assert again.counts["invoice"]["fetched"] == 0 and again.counts["customer"]["fetched"] == 0
    assert context.requests_made == 2
    set_config(engine, cid, version=1)
    changed = run_sync(engine, cid)
    assert changed.counts["invoice"]["fetched"] == 4  # ids 0, 3, 6, 9
    assert changed.counts["invoice"]["updated"] == 4 and changed.counts["invoice"]["created"] == 0
    assert str(_invoices(engine, cid)["I3"].amount_due) == "93.0000"


def test_full_resync_rereads_everything_and_keeps_history(
    engine: Engine, make_connection: Factory
) -> None:
    cid = make_connection(customers=5, invoices=9, page_size=4)
    run_sync(engine, cid)
    set_config(engine, cid, invoices=6)  # the source "forgets" 3 invoices: a resync keeps them
    full = run_sync(engine, cid, full=True)
    assert full.full and full.counts["invoice"]["fetched"] == 6
    assert full.counts["invoice"]["unchanged"] == 6 and full.counts["invoice"]["created"] == 0
    assert len(_invoices(engine, cid)) == 9


def test_deleted_records_are_marked_not_kept_open(engine: Engine, make_connection: Factory) -> None:
    cid = make_connection(customers=3, invoices=8, page_size=3)
    run_sync(engine, cid)
    set_config(engine, cid, deleted=["I5"])
    run = run_sync(engine, cid)
    assert run.counts["invoice"]["deleted"] == 1
    gone = _invoices(engine, cid)["I5"]
    assert gone.is_deleted and gone.amount_due == 0
    assert run_sync(engine, cid).counts["invoice"]["deleted"] == 0  # idempotent


def test_failing_stream_keeps_other_streams_and_resumes_after_last_committed_page(
    engine: Engine, make_connection: Factory, tmp_path: Path
) -> None:
    marker = tmp_path / "fail-once"
    marker.touch()
    cid = make_connection(
        customers=6,
        invoices=25,
        page_size=5,
        fail_stream="invoices",
        fail_after_pages=2,
        fail_once_file=str(marker),
    )
    run = run_sync(engine, cid)
    assert run.status == "partial" and "503" in (run.error or "")
    assert run.counts["customer"]["created"] == 6
    assert run.counts["invoice"]["created"] == 10
    with Session(engine) as session:
        state = session.exec(select(SyncState).where(SyncState.stream == "invoices")).one()[0]
    assert state.state == {"cursor": [0, 9]}
    resumed = run_sync(engine, cid)
    assert resumed.status == "succeeded"
    assert resumed.counts["invoice"]["fetched"] == 15 and resumed.counts["invoice"]["created"] == 15
    assert len(_invoices(engine, cid)) == 25


def test_transient_error_is_raised_for_jobs_after_recording_the_run(
    engine: Engine, make_connection: Factory
) -> None:
    cid = make_connection(customers=2, invoices=4, fail_stream="invoices")
    with pytest.raises(TransientError):
        run_sync(engine, cid, raise_errors=True)
    with Session(engine) as session:
        assert session.get(Connection, cid).status != "error"  # type: ignore[union-attr]


def test_config_error_marks_the_connection_in_error_with_the_admin_message(
    engine: Engine, make_connection: Factory
) -> None:
    cid = make_connection(customers=2, invoices=4, fail_stream="invoices", fail_kind="config")
    with pytest.raises(ConfigError):
        run_sync(engine, cid, raise_errors=True)
    with Session(engine) as session:
        connection = session.get(Connection, cid)
    assert connection is not None and connection.status == "error"
    assert "check the role's permissions" in connection.status_message


def test_progress_is_readable_while_the_run_is_going(
    engine: Engine, make_connection: Factory
) -> None:
    cid = make_connection(customers=10, invoices=10, page_size=4)
    seen: list[dict[str, Any]] = []

    def on_page(progress: SyncProgress) -> None:
        seen.append(run_progress(engine, progress.run_id))

    run = run_sync(engine, cid, progress=on_page)
    assert all(s["status"] == "running" for s in seen)
    fetched = [s["totals"]["fetched"] for s in seen]
    assert fetched == sorted(fetched) and fetched[0] == 4 and fetched[-1] == 20
    assert run_progress(engine, run.id)["status"] == "succeeded"  # type: ignore[arg-type]


def test_reprocess_after_a_mapping_fix_resolves_quarantined_records(
    engine: Engine, make_connection: Factory, host: PluginHost
) -> None:
    cid = make_connection(customers=2, invoices=12, page_size=5, bad_every=5)
    run_sync(engine, cid)
    assert len(_invoices(engine, cid)) == 9
    with Session(engine) as session:
        service = MappingService(session, host)
        document = dict(service.current(cid, "invoice").document)  # type: ignore[union-attr]
        document["fields"] = dict(document["fields"])
        document["fields"]["currency"] = {
            "source": "currency",
            "map": {"values": {"XX1": "USD", "USD": "USD"}},
        }
        service.save(cid, "invoice", document)
        session.commit()
    assert reprocess_quarantined(engine, cid) == {"resolved": 3, "still_invalid": 0}
    assert len(_invoices(engine, cid)) == 12
    with Session(engine) as session:
        statuses = {q.status for (q,) in session.exec(select(QuarantinedRecord))}
    assert statuses == {"resolved"}


def test_refresh_record_updates_one_record_and_marks_vanished_ones_deleted(
    engine: Engine, make_connection: Factory, host: PluginHost
) -> None:
    cid = make_connection(customers=2, invoices=6)
    run_sync(engine, cid)
    set_config(engine, cid, version=2)
    changes = refresh_record(engine, cid, "invoice", "I3", connections=service_for(engine, host))
    assert [(c.external_id, c.action) for c in changes] == [("I3", "updated")]
    assert str(_invoices(engine, cid)["I3"].amount_due) == "83.0000"
    set_config(engine, cid, deleted=["I4"])
    assert refresh_record(engine, cid, "invoice", "I4")[0].action == "deleted"
    assert _invoices(engine, cid)["I4"].is_deleted
