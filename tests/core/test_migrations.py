"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from hub.db import current_revision, downgrade, head_revision, make_engine, migrate
from hub.testing.fixtures import _ensure_postgres_database, postgres_url


def test_migrations_match_models(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == []
    assert current_revision(engine) == head_revision(engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own (never the shared test database, whose tables other tests hold)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/fresh.db")
    else:
        url = make_url(postgres_url()).set(database="hub_test_migrations")
        problem = _ensure_postgres_database(url.render_as_string(hide_password=False))
        if problem is not None:
            pytest.skip(problem)
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    yield engine
    engine.dispose()


def test_migrate_is_idempotent_and_reversible(fresh_engine: Engine) -> None:
    migrate(fresh_engine)
    migrate(fresh_engine)
    assert current_revision(fresh_engine) == head_revision(fresh_engine)
    downgrade(fresh_engine, "base")
    tables = set(inspect(fresh_engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    assert current_revision(fresh_engine) is None
    migrate(fresh_engine)
    assert {"invoice", "connection", "sync_state"} <= set(inspect(fresh_engine).get_table_names())


def test_collections_indexes_exist(engine: Engine) -> None:
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("invoice")}
    assert indexes["ix_invoice_open_due"] == ["connection_id", "status", "due_date"]
    assert indexes["ix_invoice_customer"] == ["connection_id", "customer_external_id", "status"]
