"""Credentials are encrypted at rest, write-only on display, rotatable, and redacted everywhere."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from hub import CheckResult, Connector, StreamSpec, hookimpl
from hub.cli import cli
from hub.connections import ConnectionService
from hub.crypto import SecretBox
from hub.errors import ConfigError
from hub.plugins import PluginHost, set_plugin_host
from hub.redaction import MASK, install_log_redaction, redact

TOKEN = "tok-9f8e7d6c5b4a39281706"


class Vault(Connector):
    """A connector with a secret, whose check() (carelessly) echoes it back."""

    name = "vault"
    config_schema = {
        "type": "object",
        "required": ["account", "token"],
        "properties": {
            "account": {"type": "string", "title": "Account"},
            "token": {"type": "string", "title": "Token", "x-secret": True, "minLength": 10},
        },
    }

    def check(self) -> CheckResult:
        token = self.config["token"]
        return CheckResult(
            False, f"server refused token {token}", causes=[f"token {token} revoked"]
        )

    def streams(self) -> list[StreamSpec]:
        return [StreamSpec("customers", "customer")]

    def read(self, stream: str, state: Any) -> Iterator[Any]:
        return iter(())


@pytest.fixture
def host() -> Iterator[PluginHost]:
    class Plugin:
        @hookimpl
        def register_connectors(self, register: Any) -> None:
            register(Vault)

    host = PluginHost().load()
    host.register(Plugin(), name="vault-plugin")
    set_plugin_host(host)
    yield host
    set_plugin_host(None)


def add(engine: Engine, host: PluginHost, key: str = "k1") -> ConnectionService:
    service = ConnectionService(engine, host, SecretBox(key))
    service.add("v", "vault", {"account": "A1", "token": TOKEN})
    return service


def raw_row(engine: Engine) -> str:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT config, secrets FROM connection")).one()
    return json.dumps([str(row[0]), row[1]])


def test_secrets_are_encrypted_at_rest(engine: Engine, host: PluginHost) -> None:
    service = add(engine, host)
    stored = raw_row(engine)
    assert TOKEN not in stored and "A1" in stored
    connection = service.get("v")
    assert service.full_config(connection) == {"account": "A1", "token": TOKEN}
    assert service.display_config(connection) == {"account": "A1", "token": "set"}


def test_secret_validation_errors_do_not_echo_the_value(engine: Engine, host: PluginHost) -> None:
    service = ConnectionService(engine, host, SecretBox("k1"))
    with pytest.raises(ConfigError) as info:
        service.add("v", "vault", {"account": "A1", "token": "short-sec"})
    assert "short-sec" not in str(info.value)
    assert "$.token: invalid value (minLength check failed)" in str(info.value)


def test_rotation_with_fallback_key(engine: Engine, host: PluginHost, tmp_path: Path) -> None:
    add(engine, host, key="old-key")
    before = raw_row(engine)
    env = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "HUB_INSTANCE_PATH": str(tmp_path),
    }
    lost = CliRunner().invoke(
        cli, ["connections", "test", "v"], env={**env, "HUB_SECRET_KEY": "new"}
    )
    assert lost.exit_code == 2
    assert "cannot be decrypted" in lost.output and "HUB_SECRET_KEY_FALLBACKS" in lost.output

    rotated = CliRunner().invoke(
        cli,
        ["rotate-key"],
        env={**env, "HUB_SECRET_KEY": "new", "HUB_SECRET_KEY_FALLBACKS": "old-key"},
    )
    assert rotated.exit_code == 0 and "1 connection(s)" in rotated.output
    assert raw_row(engine) != before
    service = ConnectionService(engine, host, SecretBox("new"))
    assert service.full_config(service.get("v"))["token"] == TOKEN


def test_connections_list_never_prints_secrets(
    engine: Engine, host: PluginHost, tmp_path: Path
) -> None:
    add(engine, host)
    env = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "HUB_SECRET_KEY": "k1",
        "HUB_INSTANCE_PATH": str(tmp_path),
    }
    listed = CliRunner().invoke(cli, ["connections", "list", "--json"], env=env)
    assert TOKEN not in listed.output
    assert json.loads(listed.output)[0]["config"] == {"account": "A1", "token": "set"}


def test_check_output_is_redacted(engine: Engine, host: PluginHost, tmp_path: Path) -> None:
    add(engine, host)
    env = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "HUB_SECRET_KEY": "k1",
        "HUB_INSTANCE_PATH": str(tmp_path),
    }
    result = CliRunner().invoke(cli, ["connections", "test", "v"], env=env)
    assert result.exit_code == 1
    assert TOKEN not in result.output
    assert f"server refused token {MASK}" in result.output
    with engine.connect() as conn:
        assert TOKEN not in conn.execute(text("SELECT status_message FROM connection")).scalar_one()


def test_logs_and_tracebacks_are_redacted(
    engine: Engine, host: PluginHost, caplog: pytest.LogCaptureFixture
) -> None:
    service = add(engine, host)
    service.full_config(service.get("v"))  # decrypting teaches the redactor the secret
    logger = logging.getLogger("hub.test.redaction")
    stream_handler = logging.StreamHandler()
    logger.addHandler(stream_handler)
    try:
        install_log_redaction(logger)
        try:
            raise RuntimeError(f"request failed with token={TOKEN}")
        except RuntimeError:
            record = logger.makeRecord(
                "x",
                logging.ERROR,
                __file__,
                1,
                "boom %s",
                (TOKEN,),
                exc_info=__import__("sys").exc_info(),
            )
        formatted = stream_handler.format(record)
    finally:
        logger.removeHandler(stream_handler)
    assert TOKEN not in formatted
    assert formatted.count(MASK) >= 2
    assert redact(f"x{TOKEN}y") == f"x{MASK}y"
