"""Fixtures of the web admin tests: an app on a real SQLite file and a real Redis database."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import Engine
from sqlmodel import Session

from hub.plugins import PluginHost
from hub.web import create_app
from hub.web.auth import create_user
from hub.web.db import engine_of

# --import-mode=importlib does not put test folders on sys.path; the helpers module needs it.
sys.path.insert(0, str(Path(__file__).parent))

from webhelpers import PASSWORD, login  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/12"
SECRET_KEY = "test-secret-key-" + "k" * 32


def build_app(engine: Engine, **config: Any) -> Flask:
    prefix = f"hubtest:{uuid.uuid4().hex}"
    settings = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": SECRET_KEY,
        "HUB_REDIS_PREFIX": prefix,
        "TESTING": True,
        **config,
    }
    return create_app(settings)


def app_with_users(engine: Engine) -> Iterator[Flask]:
    """An app on ``engine``'s database with an admin and a collector; cleaned up afterwards."""
    with Session(engine) as session:
        create_user(session, "admin@example.test", PASSWORD, "admin")
        create_user(session, "clerk@example.test", PASSWORD, "collector")
        session.commit()
    app = build_app(engine)
    yield app
    engine_of(app).dispose()  # PostgreSQL: no connection may stay open for the next TRUNCATE
    with Redis.from_url(REDIS_URL) as redis:
        keys = list(redis.scan_iter(f"{app.config['HUB_REDIS_PREFIX']}:*"))
        if keys:
            redis.delete(*keys)


@pytest.fixture(autouse=True)
def _instance_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own instance folder (templates, mail sink), never the tree's."""
    monkeypatch.setenv("HUB_INSTANCE_PATH", str(tmp_path / "instance"))


@pytest.fixture
def app(sqlite_engine: Engine, plugin_host: PluginHost) -> Iterator[Flask]:
    """The admin on SQLite (security and browser tests)."""
    yield from app_with_users(sqlite_engine)


@pytest.fixture
def db_app(engine: Engine, plugin_host: PluginHost) -> Iterator[Flask]:
    """The admin on SQLite and on PostgreSQL (the ``engine`` fixture's URL)."""
    yield from app_with_users(engine)


@pytest.fixture
def db_admin(db_app: Flask) -> FlaskClient:
    client = db_app.test_client()
    assert login(client, "admin@example.test").status_code == 302
    return client


@pytest.fixture
def db_collector(db_app: Flask) -> FlaskClient:
    client = db_app.test_client()
    assert login(client, "clerk@example.test").status_code == 302
    return client


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert login(client, "admin@example.test").status_code == 302
    return client


@pytest.fixture
def collector_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert login(client, "clerk@example.test").status_code == 302
    return client
