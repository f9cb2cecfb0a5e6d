"""The admin's database access: one Flask-SQLAlchemy object per app over the hub's SQLModel tables.

Flask-Admin's model views take the Flask-SQLAlchemy object; the hub's own services take the engine
(:func:`engine_of`). Models stay SQLModel tables; Flask-SQLAlchemy only provides engine and session.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel


def normalise_url(url: str) -> str:
    """Plain ``postgresql://`` URLs use psycopg 3, as :func:`hub.db.make_engine` does."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def init_db(app: Flask, database_url: str) -> SQLAlchemy:
    """Attach a Flask-SQLAlchemy object bound to ``database_url`` to ``app``."""
    import hub.all_models  # noqa: F401  (every table registered on SQLModel.metadata)

    url = normalise_url(database_url)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options: dict[str, Any] = {}
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        options["pool_pre_ping"] = True
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db = SQLAlchemy(metadata=SQLModel.metadata, session_options={"expire_on_commit": False})
    db.init_app(app)
    with app.app_context():
        if url.startswith("sqlite"):
            event.listen(db.engine, "connect", _sqlite_pragmas)
        app.extensions["hub_engine"] = db.engine
    app.extensions["hub_db"] = db
    return db


def engine_of(app: Flask) -> Engine:
    """The engine of the admin app ``app``."""
    engine: Engine = app.extensions["hub_engine"]
    return engine


def db_of(app: Flask) -> SQLAlchemy:
    db: SQLAlchemy = app.extensions["hub_db"]
    return db


__all__ = ["db_of", "engine_of", "init_db", "normalise_url"]
