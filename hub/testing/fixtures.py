"""Pytest fixtures for testing the hub and its plugins against real databases.

Enable in a ``conftest.py`` with ``pytest_plugins = ["hub.testing.fixtures"]``.

* ``engine`` — a migrated, empty database; every test using it runs twice: on a SQLite file and on
  PostgreSQL (``HUB_TEST_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/hub_test``;
  the database is created if missing). Without a reachable PostgreSQL the PostgreSQL run is skipped,
  unless ``HUB_TEST_REQUIRE_POSTGRES=1`` makes that an error (CI sets it).
* ``sqlite_engine`` — the SQLite variant only.
* ``plugin_host`` — a fresh :class:`hub.plugins.PluginHost` with the installed plugins, installed as
  the process-wide host for the test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from hub.db import make_engine, migrate
from hub.plugins import PluginHost, set_plugin_host

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/hub_test"


def postgres_url() -> str:
    return os.environ.get("HUB_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _ensure_postgres_database(url: str) -> str | None:
    """Create the test database if needed; return an error text if PostgreSQL is unreachable."""
    import psycopg

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    try:
        with psycopg.connect(
            admin.render_as_string(hide_password=False), autocommit=True, connect_timeout=3
        ) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{parsed.database}"')
    except psycopg.OperationalError as exc:
        return str(exc).strip()
    return None


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db-template") / "hub.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_engine() -> Iterator[Engine]:
    url = postgres_url()
    problem = _ensure_postgres_database(url)
    if problem is not None:
        if os.environ.get("HUB_TEST_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL required but unreachable at {url}: {problem}")
        pytest.skip(f"PostgreSQL unreachable ({problem}); set HUB_TEST_POSTGRES_URL")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    yield engine
    engine.dispose()


def _truncate_all(engine: Engine) -> None:
    from sqlmodel import SQLModel

    import hub.all_models  # noqa: F401

    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _sqlite_copy(template: Path, tmp_path: Path) -> Engine:
    path = tmp_path / "hub.db"
    shutil.copyfile(template, path)
    return make_engine(f"sqlite:///{path}")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        eng = _sqlite_copy(request.getfixturevalue("_sqlite_template"), tmp_path)
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("_postgres_engine")
        _truncate_all(eng)
        yield eng


@pytest.fixture
def sqlite_engine(_sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite database file."""
    eng = _sqlite_copy(_sqlite_template, tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture
def plugin_host() -> Iterator[PluginHost]:
    """A freshly loaded plugin host, installed process-wide for the duration of the test."""
    host = PluginHost().load()
    set_plugin_host(host)
    yield host
    set_plugin_host(None)
