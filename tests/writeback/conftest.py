"""Fixtures of the write-back tests: a NetSuite emulator on 127.0.0.1 and a synced connection."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import Engine

from hub.connections import ConnectionService
from hub.crypto import SecretBox
from hub.plugins import PluginHost, set_plugin_host
from hub.sync import run_sync
from hub_netsuite.sandbox.api import Sandbox, start_sandbox
from hub_netsuite.sandbox.store import SandboxStore

SECRET_KEY = "writeback-tests-secret-key-0123456789"
REDIS_URL = "redis://127.0.0.1:6379/14"
#: Small pages and tiny backoffs keep the tests fast.
FAST = {"retry_base_seconds": 0.001, "page_size": 50}


@pytest.fixture(scope="session")
def account_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated NetSuite account, copied for every test."""
    path = tmp_path_factory.mktemp("wb-template") / "account.sqlite3"
    SandboxStore.generate(path, customers=6, invoices=20, payments=8, seed=3).close()
    return path


@pytest.fixture
def sb(account_template: Path, tmp_path: Path) -> Iterator[Sandbox]:
    """A private emulator over a copy of the account."""
    path = tmp_path / "account.sqlite3"
    shutil.copyfile(account_template, path)
    sandbox = start_sandbox(path, seed=3).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def host() -> Iterator[PluginHost]:
    """The installed plugins, set process-wide (the sync engine's listeners use it)."""
    plugin_host = PluginHost().load()
    set_plugin_host(plugin_host)
    yield plugin_host
    set_plugin_host(None)


@pytest.fixture
def hub_env(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment of hub processes (jobs, CLI) pointing at this test's database and Redis."""
    env = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "REDIS_URL": REDIS_URL,
        "HUB_SECRET_KEY": SECRET_KEY,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def redis() -> Iterator[Redis]:
    """Redis database 14, flushed before and after the test."""
    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def service(engine: Engine, host: PluginHost, hub_env: dict[str, str]) -> ConnectionService:
    """Connections of this test's database (secrets under the test key)."""
    return ConnectionService(engine, host, SecretBox(SECRET_KEY))


Synced = Callable[..., int]


@pytest.fixture
def synced(engine: Engine, sb: Sandbox, service: ConnectionService) -> Synced:
    """Create a NetSuite connection to the emulator, sync it fully; return its id."""

    def make(name: str = "ns", direction: str = "bidirectional", **extra: Any) -> int:
        config = {**sb.connection_config(), **FAST, "direction": direction, **extra}
        connection = service.add(name, "netsuite", config)
        assert connection.id is not None
        run = run_sync(engine, connection.id, connections=service)
        assert run.status == "succeeded", run.error
        return connection.id

    return make
