"""Fixtures of the sync tests: the ``synctest`` connector plugin, Redis DB 13, connections."""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import Engine

from hub.connections import ConnectionService
from hub.crypto import SecretBox
from hub.plugins import PluginHost, set_plugin_host

HERE = Path(__file__).parent
REDIS_URL = "redis://127.0.0.1:6379/13"
SECRET_KEY = "sync-tests-secret-key-0123456789abcdef"


@pytest.fixture(scope="session")
def synctest_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder on sys.path (and PYTHONPATH) holding the ``synctest`` plugin distribution."""
    root = tmp_path_factory.mktemp("synctest-dist")
    info = root / "hub_synctest-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hub-synctest\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[hub]\nsynctest = synctest_connector\n")
    shutil.copy(HERE / "synctest_connector.py", root / "synctest_connector.py")
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    yield root
    sys.path.remove(str(root))


@pytest.fixture
def host(synctest_path: Path) -> Iterator[PluginHost]:
    """A plugin host that knows the ``synctest`` connector, installed process-wide."""
    plugin_host = PluginHost().load()
    set_plugin_host(plugin_host)
    yield plugin_host
    set_plugin_host(None)


@pytest.fixture
def redis() -> Iterator[Redis]:
    """Redis database 13, flushed before and after the test (a bytes connection, as RQ needs)."""
    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def hub_env(synctest_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for hub processes (workers, CLI) using this test's database and Redis."""
    env = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "REDIS_URL": REDIS_URL,
        "HUB_SECRET_KEY": SECRET_KEY,
        "PYTHONPATH": os.pathsep.join([str(synctest_path), os.environ.get("PYTHONPATH", "")]),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **env}


Factory = Callable[..., int]


@pytest.fixture
def make_connection(engine: Engine, host: PluginHost) -> Factory:
    """Create a ``synctest`` connection with the given config; return its id."""
    service = ConnectionService(engine, host, SecretBox(SECRET_KEY))
    counter = iter(range(1, 1000))

    def create(name: str | None = None, **config: Any) -> int:
        config.setdefault("objects", ["customer", "invoice"])
        config.setdefault("frequency", "manual")
        connection = service.add(name or f"src{next(counter)}", "synctest", config)
        assert connection.id is not None
        return connection.id

    return create


def service_for(engine: Engine, host: PluginHost) -> ConnectionService:
    """A connection service with the tests' secret key."""
    return ConnectionService(engine, host, SecretBox(SECRET_KEY))


@pytest.fixture(autouse=True)
def _dispose_job_engines() -> Iterator[None]:
    """Close the engines jobs run in-process (SimpleWorker) opened for this test's database."""
    yield
    from hub.jobs import dispose_engines

    dispose_engines()
