"""``hubctl policies list|show|set|assign`` against the test database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import Engine

from hub.cli import cli
from hub.collections.policies import PolicyService
from hub.jsonschemas import load_schema


def _hubctl(engine: Engine, tmp_path: Path) -> Any:
    env = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "HUB_SECRET_KEY": "test-secret-key-for-collections-0123456789",
        "HUB_INSTANCE_PATH": str(tmp_path / "instance"),
    }

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=env)

    return run


def test_policy_schema_ships_and_is_valid() -> None:
    import jsonschema

    schema = load_schema("policy")
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_set_show_list_and_assign(engine: Engine, connection_id: int, tmp_path: Path) -> None:
    hubctl = _hubctl(engine, tmp_path)
    policy = {
        "name": "gentle",
        "steps": [
            {"key": "nudge", "offset_days": 3, "channels": ["email"], "template": "overdue"},
            {"key": "call", "offset_days": 20, "channels": ["email", "sms"], "also": ["primary"]},
        ],
        "settings": {"timezone": "Europe/Berlin", "group_invoices": True},
    }
    file = tmp_path / "gentle.json"
    file.write_text(json.dumps(policy))
    saved = hubctl("policies", "set", str(file))
    assert saved.exit_code == 0, saved.output
    assert "'gentle' saved with 2 steps" in saved.output

    shown = hubctl("policies", "show", "gentle")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output) == {**policy, "default": False}

    assigned = hubctl("policies", "assign", "gentle", "--customer", "C9")
    assert assigned.exit_code == 0, assigned.output
    by_segment = hubctl("policies", "assign", "gentle", "--segment", "smb")
    assert by_segment.exit_code == 0, by_segment.output
    listed = hubctl("policies", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {r["name"]: r for r in json.loads(listed.output)}
    assert rows["default"]["default"] is True
    assert rows["gentle"]["steps"] == ["nudge@+3d:email", "call@+20d:email+sms"]
    assert rows["gentle"]["assigned_to"] == [
        f"customer C9 (connection {connection_id})",
        f"segment smb (connection {connection_id})",
    ]
    assert PolicyService(engine).assignments()[0][:3] == ("gentle", connection_id, "C9")


def test_invalid_policy_file_names_the_json_path(engine: Engine, tmp_path: Path) -> None:
    hubctl = _hubctl(engine, tmp_path)
    file = tmp_path / "bad.json"
    file.write_text(
        json.dumps(
            {
                "name": "bad",
                "steps": [{"key": "x", "offset_days": 1, "channels": ["fax"]}],
                "settings": {"send_from": "9am"},
            }
        )
    )
    result = hubctl("policies", "set", str(file))
    assert result.exit_code != 0
    assert "$.steps[0].channels[0]" in result.output and "'fax'" in result.output
    assert "$.settings.send_from" in result.output
    unknown = hubctl("policies", "show", "nope")
    assert unknown.exit_code != 0 and "no reminder policy called 'nope'" in unknown.output
    neither = hubctl("policies", "assign", "default")
    assert neither.exit_code != 0
