"""``hubctl sync`` and ``hubctl quarantine`` over the installed ``example_csv`` connector."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from redis import Redis
from sqlalchemy import Engine, Table, select

from hub.cli import cli
from hub.models import Invoice

from .conftest import REDIS_URL, SECRET_KEY

INVOICES: Table = Invoice.__table__  # type: ignore[attr-defined]


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _invoice(number: int, total: str) -> dict[str, str]:
    return {
        "id": f"I{number}",
        "number": f"INV-{number}",
        "customer_id": "C1",
        "issue_date": "2026-01-01",
        "due_date": "2026-01-31",
        "currency": "EUR",
        "total": total,
        "amount_due": total,
        "status": "open",
        "updated_at": f"2026-02-0{number}T00:00:00Z",
    }


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """A CSV export: 2 customers, 3 invoices of which I3 has a total that is not money."""
    folder = tmp_path / "exports"
    folder.mkdir()
    _write(
        folder / "customers.csv",
        [
            {"id": f"C{i}", "name": f"Customer {i}", "email": f"ap{i}@example.test",
             "currency": "EUR", "updated_at": "2026-01-01T00:00:00Z"}
            for i in (1, 2)
        ],
    )  # fmt: skip
    _write(folder / "invoices.csv", [_invoice(1, "100.00"), _invoice(2, "80.00"), _invoice(3, "x")])
    return folder


@pytest.fixture
def hubctl(engine: Engine, tmp_path: Path, redis: Redis, exports: Path) -> Any:
    """Runs ``hubctl`` against the test database; a connection ``csv`` is already added."""
    env = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "REDIS_URL": REDIS_URL,
        "HUB_SECRET_KEY": SECRET_KEY,
        "HUB_INSTANCE_PATH": str(tmp_path / "instance"),
    }

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=env)

    config = tmp_path / "csv.json"
    config.write_text(json.dumps({"folder": str(exports), "objects": ["customer", "invoice"]}))
    added = run("connections", "add", "csv", "--plugin", "example_csv", "--config", str(config))
    assert added.exit_code == 0, added.output
    return run


def _summary(result: Result) -> dict[str, Any]:
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_sync_json_summary_and_exit_codes(hubctl: Any, engine: Engine) -> None:
    first = hubctl("sync", "csv", "--json")
    assert first.exit_code == 0, first.output  # a quarantined record does not fail the run
    summary = _summary(first)
    assert summary["connection"] == "csv" and summary["status"] == "succeeded"
    assert summary["counts"]["customer"]["created"] == 2
    assert summary["counts"]["invoice"]["created"] == 2
    assert summary["counts"]["invoice"]["quarantined"] == 1
    assert summary["totals"]["fetched"] == 5
    assert summary["http_requests"] >= 0 and summary["duration_s"] is not None

    again = _summary(hubctl("sync", "csv", "--json"))
    assert again["totals"]["created"] == 0 and again["totals"]["updated"] == 0

    full = _summary(hubctl("sync", "csv", "--full", "--objects", "customers", "--json"))
    assert list(full["counts"]) == ["customer"]
    assert full["full"] is True
    assert full["counts"]["customer"] == {
        **full["counts"]["customer"],
        "fetched": 2,
        "unchanged": 2,
    }
    with engine.connect() as conn:
        stored = sorted(conn.execute(select(INVOICES.c.external_id)).scalars())
    assert stored == ["I1", "I2"]


def test_sync_unknown_objects_and_connection_fail(hubctl: Any) -> None:
    bad = hubctl("sync", "csv", "--objects", "widgets", "--json")
    assert bad.exit_code == 1
    summary = _summary(bad)
    assert summary["status"] == "failed" and "unknown objects widgets" in summary["error"]
    missing = hubctl("sync", "nope")
    assert missing.exit_code != 0
    assert "nope" in missing.output


def test_sync_prints_a_readable_summary(hubctl: Any) -> None:
    result = hubctl("sync", "csv", "--objects", "customers")
    assert result.exit_code == 0, result.output
    assert "succeeded" in result.output
    assert "customer" in result.output and "created" in result.output


def _only_open(hubctl: Any) -> dict[str, Any]:
    listed = hubctl("quarantine", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert len(rows) == 1
    return rows[0]  # type: ignore[no-any-return]


def test_quarantine_list_show_retry_with_payload(
    hubctl: Any, engine: Engine, tmp_path: Path
) -> None:
    hubctl("sync", "csv", "--json")
    row = _only_open(hubctl)
    assert row["external_id"] == "I3" and row["object_type"] == "invoice"
    assert any(error["field"] == "total" for error in row["errors"])

    text = hubctl("quarantine", "list")
    assert str(row["id"]) in text.output and "I3" in text.output and "total" in text.output

    shown = hubctl("quarantine", "show", str(row["id"]))
    assert shown.exit_code == 0
    detail = json.loads(shown.stdout)
    assert detail["payload"]["total"] == "x" and detail["status"] == "open"

    unchanged = hubctl("quarantine", "retry", str(row["id"]))
    assert unchanged.exit_code != 0 and "still invalid" in unchanged.output

    edited = tmp_path / "fixed.json"
    edited.write_text(json.dumps({**detail["payload"], "total": "90.00", "amount_due": "90.00"}))
    fixed = hubctl("quarantine", "retry", str(row["id"]), "--payload", str(edited))
    assert fixed.exit_code == 0, fixed.output
    with engine.connect() as conn:
        query = select(INVOICES.c.total).where(INVOICES.c.external_id == "I3")
        total = conn.execute(query).scalar_one()
    assert str(total).startswith("90")
    assert json.loads(hubctl("quarantine", "list", "--json").stdout) == []
    everything = json.loads(hubctl("quarantine", "list", "--all", "--json").stdout)
    assert [r["status"] for r in everything] == ["resolved"]


def test_quarantine_retry_rejects_a_bad_payload_file(hubctl: Any, tmp_path: Path) -> None:
    hubctl("sync", "csv", "--json")
    row = _only_open(hubctl)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = hubctl("quarantine", "retry", str(row["id"]), "--payload", str(broken))
    assert result.exit_code != 0 and "is not valid JSON" in result.output


def test_quarantine_dismiss(hubctl: Any) -> None:
    hubctl("sync", "csv", "--json")
    row = _only_open(hubctl)
    result = hubctl("quarantine", "dismiss", str(row["id"]))
    assert result.exit_code == 0 and f"Dismissed quarantined record {row['id']}" in result.output
    assert json.loads(hubctl("quarantine", "list", "--json").stdout) == []
    twice = hubctl("quarantine", "dismiss", str(row["id"]))
    assert twice.exit_code != 0 and "already dismissed" in twice.output
    missing = hubctl("quarantine", "show", "999999")
    assert missing.exit_code != 0 and "no quarantined record" in missing.output
