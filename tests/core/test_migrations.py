"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from hub.db import current_revision, downgrade, head_revision, migrate


def test_migrations_match_models(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == []
    assert current_revision(engine) == head_revision(engine)


def test_migrate_is_idempotent_and_reversible(engine: Engine) -> None:
    migrate(engine)
    downgrade(engine, "base")
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    assert current_revision(engine) is None
    migrate(engine)
    assert {"invoice", "connection", "sync_state"} <= set(inspect(engine).get_table_names())


def test_collections_indexes_exist(engine: Engine) -> None:
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("invoice")}
    assert indexes["ix_invoice_open_due"] == ["connection_id", "status", "due_date"]
    assert indexes["ix_invoice_customer"] == ["connection_id", "customer_external_id", "status"]
