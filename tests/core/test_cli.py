"""Every hubctl command of the core, run through click against a real database."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from hub.cli import cli
from hub.connections import ConnectionService
from hub.crypto import SecretBox
from hub.plugins import get_plugin_host
from hub.recordstore import upsert_records

SECRET = "test-secret-key-0123456789"


@pytest.fixture
def hubctl(engine: Engine, tmp_path: Path) -> Any:
    env = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "HUB_SECRET_KEY": SECRET,
        "HUB_INSTANCE_PATH": str(tmp_path / "instance"),
    }

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=False)

    return run


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def csv_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    write_csv(
        folder / "customers.csv",
        [
            {
                "id": "C1",
                "name": "Acme GmbH",
                "email": "ar@acme.test",
                "currency": "EUR",
                "updated_at": "2026-01-01T00:00:00Z",
                "custom_segment": "enterprise",
            },
        ],
    )
    return folder


def config_file(tmp_path: Path, folder: Path, **extra: Any) -> Path:
    path = tmp_path / "conn.json"
    path.write_text(json.dumps({"folder": str(folder), **extra}))
    return path


def test_help_everywhere(hubctl: Any) -> None:
    for command in (
        [],
        ["init"],
        ["plugins"],
        ["export"],
        ["connections"],
        ["connections", "add"],
        ["connections", "list"],
        ["connections", "test"],
        ["connections", "remove"],
        ["mappings", "set"],
        ["rotate-key"],
        ["netsuite-sandbox"],
    ):
        result = hubctl(*command, "--help")
        assert result.exit_code == 0, (command, result.output)
        assert "Usage:" in result.output


def test_init_creates_and_reports_schema(hubctl: Any, tmp_path: Path) -> None:
    result = hubctl("init")
    assert result.exit_code == 0
    assert "up to date (schema 0" in result.output or "migrated from" in result.output


def test_init_generates_a_local_secret_key(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db",
        "HUB_INSTANCE_PATH": str(tmp_path / "i"),
    }
    result = CliRunner().invoke(cli, ["init"], env={**env, "HUB_SECRET_KEY": ""})
    assert result.exit_code == 0, result.output
    key = (tmp_path / "i" / "secret_key").read_text().strip()
    assert len(key) == 64 and "Generated a secret key" in result.output
    assert "migrated from empty" in result.output
    again = CliRunner().invoke(cli, ["init"], env={**env, "HUB_SECRET_KEY": ""})
    assert "Generated" not in again.output and "up to date" in again.output


def test_commands_refuse_an_unmigrated_database(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/empty.db", "HUB_SECRET_KEY": SECRET}
    result = CliRunner().invoke(cli, ["connections", "list"], env=env)
    assert result.exit_code == 2
    assert "run `hubctl init`" in result.output


def test_connections_lifecycle(hubctl: Any, tmp_path: Path, csv_folder: Path) -> None:
    cfg = config_file(tmp_path, csv_folder, frequency="30m", objects=["customers"])
    added = hubctl("connections", "add", "files", "--plugin", "example_csv", "--config", str(cfg))
    assert added.exit_code == 0, added.output
    assert "objects: customer; every 30m" in added.output

    listed = json.loads(hubctl("connections", "list", "--json").output)
    assert listed[0]["name"] == "files" and listed[0]["status"] == "never_tested"
    assert listed[0]["frequency"] == "30m" and listed[0]["direction"] == "example_csv_to_hub"

    tested = hubctl("connections", "test", "files")
    assert tested.exit_code == 0 and tested.output.startswith("OK: reading CSV files")
    assert json.loads(hubctl("connections", "list", "--json").output)[0]["status"] == "active"

    (csv_folder / "customers.csv").write_text("name\nBroken\n")
    failed = hubctl("connections", "test", "files", "--json")
    assert failed.exit_code == 1
    diagnosis = json.loads(failed.output)
    assert diagnosis["ok"] is False and diagnosis["causes"] == [
        "customers.csv needs the columns id, updated_at"
    ]
    assert json.loads(hubctl("connections", "list", "--json").output)[0]["status"] == "error"

    assert hubctl("connections", "remove", "files", "--yes").exit_code == 0
    assert json.loads(hubctl("connections", "list", "--json").output) == []


def test_connection_config_errors_are_clear(hubctl: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"folder": 3, "page_size": 0, "surprise": true}')
    result = hubctl("connections", "add", "x", "--plugin", "example_csv", "--config", str(bad))
    assert result.exit_code == 2
    assert "invalid configuration for 'example_csv'" in result.output
    assert "$.folder: 3 is not of type 'string'" in result.output
    assert "$.page_size: 0 is less than the minimum of 1" in result.output
    assert "Additional properties are not allowed ('surprise' was unexpected)" in result.output

    bad.write_text("{not json")
    result = hubctl("connections", "add", "x", "--plugin", "example_csv", "--config", str(bad))
    assert result.exit_code == 2 and "is not valid JSON" in result.output

    bad.write_text('{"folder": "/tmp", "frequency": "hourly"}')
    result = hubctl("connections", "add", "x", "--plugin", "example_csv", "--config", str(bad))
    assert "$.frequency: 'hourly' is not one of realtime, 15m, 30m, 60m, manual" in result.output

    result = hubctl("connections", "add", "x", "--plugin", "sap", "--config", str(bad))
    assert "no connector plugin called 'sap'" in result.output

    result = hubctl(
        "connections", "add", "bad name!", "--plugin", "example_csv", "--config", str(bad)
    )
    assert result.exit_code == 2 and "invalid connection name 'bad name!'" in result.output

    result = hubctl("connections", "test", "nope")
    assert result.exit_code == 2 and "no connection called 'nope' (existing: none)" in result.output


def test_export_prints_json_lines(
    hubctl: Any, engine: Engine, tmp_path: Path, csv_folder: Path
) -> None:
    hubctl(
        "connections",
        "add",
        "files",
        "--plugin",
        "example_csv",
        "--config",
        str(config_file(tmp_path, csv_folder)),
    )
    service = ConnectionService(engine, get_plugin_host(), SecretBox(SECRET))
    conn = service.get("files")
    assert conn.id is not None
    invoices = [
        {
            "external_id": "I2",
            "number": "2",
            "customer_external_id": "C1",
            "issue_date": "2020-01-01",
            "due_date": "2020-01-31",
            "currency": "EUR",
            "exchange_rate": "1",
            "total": "10.00",
            "amount_due": "10.00",
            "status": "open",
            "lines": [],
            "custom_fields": {},
        },
        {
            "external_id": "I1",
            "number": "1",
            "customer_external_id": "C1",
            "issue_date": "2020-01-01",
            "due_date": "2999-01-31",
            "currency": "EUR",
            "exchange_rate": "1",
            "total": "10.00",
            "amount_due": "0.00",
            "status": "paid",
            "lines": [],
            "custom_fields": {},
        },
    ]
    with engine.begin() as db:
        upsert_records(db, conn.id, "invoice", invoices)
    result = hubctl("export", "invoices", "--connection", "files")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [r["external_id"] for r in lines] == ["I1", "I2"]
    assert lines[0]["days_overdue"] == 0 and lines[1]["days_overdue"] > 2000
    assert lines[1]["amount_due"] == "10.00" and lines[1]["connection"] == "files"
    assert hubctl("export", "customers").output == ""
    assert hubctl("export", "widgets").exit_code == 2
    assert "no connection called" in hubctl("export", "invoice", "--connection", "x").output


def test_mappings_commands(hubctl: Any, tmp_path: Path, csv_folder: Path) -> None:
    hubctl(
        "connections",
        "add",
        "files",
        "--plugin",
        "example_csv",
        "--config",
        str(config_file(tmp_path, csv_folder)),
    )
    shown = json.loads(hubctl("mappings", "show", "files", "customers").output)
    assert shown["object"] == "customer"

    shown["fields"]["name"] = {"source": "company_name", "type": "string"}
    good = tmp_path / "m.json"
    good.write_text(json.dumps(shown))
    saved = hubctl("mappings", "set", "files", "customer", str(good), "--comment", "rename")
    assert saved.exit_code == 0 and "version 2" in saved.output

    shown["fields"]["total"] = {"source": "x", "type": "money"}
    shown["fields"]["name"] = {"source": "company_name", "type": "sideways"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(shown))
    refused = hubctl("mappings", "set", "files", "customer", str(bad))
    assert refused.exit_code == 2 and "$.fields." in refused.output

    history = hubctl("mappings", "history", "files", "customer").output.splitlines()
    assert [h.split()[0] for h in history] == ["v2", "v1"] and "rename" in history[0]
    assert "now version 3" in hubctl("mappings", "revert", "files", "customer", "1").output
    assert (
        json.loads(hubctl("mappings", "show", "files", "customer").output)["fields"]["name"][
            "source"
        ]
        == "name"
    )
    assert "now version 4" in hubctl("mappings", "reset", "files", "customer").output
    assert "no version 9" in hubctl("mappings", "revert", "files", "customer", "9").output


@pytest.mark.parametrize("args", [["plugins"], ["--version"]])
def test_hubctl_console_script_runs(args: list[str], tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("hubctl")
    result = subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert ("netsuite" in result.stdout) if args == ["plugins"] else ("hubctl" in result.stdout)
