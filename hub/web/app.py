"""The Flask application factory of the web admin."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_wtf.csrf import CSRFProtect

from hub.crypto import SecretBox
from hub.errors import ConfigError
from hub.plugins import PluginHost, get_plugin_host
from hub.redaction import install_log_redaction
from hub.redisclient import redis_client
from hub.settings import Settings
from hub.web.auth import init_login
from hub.web.db import init_db
from hub.web.rqdash import mount_rq_dashboard
from hub.web.security import install_guard
from hub.web.unsubscribe import unsubscribe
from hub.web.views import add_views
from hub.web.webhooks import webhooks


def _defaults(settings: Settings) -> dict[str, Any]:
    return {
        "SECRET_KEY": settings.secret_key,
        "HUB_SECRET_KEY_FALLBACKS": settings.secret_key_fallbacks,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "HUB_REDIS_PREFIX": "hub:web",
        "HUB_LOGIN_ATTEMPTS": 5,
        "HUB_LOGIN_WINDOW": 300,
        "HUB_PUBLIC_URL": os.environ.get("HUB_PUBLIC_URL", ""),
        "HUB_WEBHOOK_TOLERANCE": 300,
        "HUB_MAIL_SINK": os.environ.get("HUB_MAIL_SINK", ""),
        "SESSION_COOKIE_NAME": "hub_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("HUB_COOKIE_SECURE", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    }


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the admin: Flask-Admin under ``/admin``, RQ dashboard under ``/admin/rq``, login,
    CSRF protection on every form, signed webhooks under ``/webhooks``.

    Settings come from the environment (:class:`hub.settings.Settings`); ``test_config`` overrides
    any Flask config key, and may pass ``HUB_PLUGIN_HOST`` (a :class:`PluginHost`).
    """
    settings = Settings.from_env()
    app = Flask("hub.web", instance_path=str(settings.instance_path))
    app.config.update(_defaults(settings))
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        settings.require_secret_key()
        raise ConfigError("no secret key")  # pragma: no cover - require_secret_key raised
    install_log_redaction()
    host: PluginHost = app.config.get("HUB_PLUGIN_HOST") or get_plugin_host()
    app.extensions["hub_plugins"] = host
    app.extensions["hub_box"] = SecretBox(
        str(app.config["SECRET_KEY"]), tuple(app.config["HUB_SECRET_KEY_FALLBACKS"])
    )
    redis = redis_client(str(app.config["REDIS_URL"]))
    app.extensions["hub_redis"] = redis
    db = init_db(app, str(app.config["DATABASE_URL"]))
    csrf = CSRFProtect(app)
    init_login(app, redis)

    from hub.web.views.dashboard import DashboardView

    admin = Admin(
        app,
        name="Collections Hub",
        url="/admin",
        index_view=DashboardView(name="Dashboard", url="/admin"),
        theme=Bootstrap4Theme(swatch="flatly", fluid=True, base_template="hub/master.html"),
    )
    app.extensions["hub_admin"] = admin
    add_views(admin, db)
    host.register_admin_views(admin, app)

    mount_rq_dashboard(app, csrf)
    app.register_blueprint(webhooks)
    csrf.exempt(webhooks)
    app.register_blueprint(unsubscribe)
    csrf.exempt(unsubscribe)
    install_guard(app)

    @app.route("/")
    def root() -> ResponseReturnValue:
        return redirect(url_for("admin.index"))

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        db.session.remove()

    return app


__all__ = ["create_app"]
