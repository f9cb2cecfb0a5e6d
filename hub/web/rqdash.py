"""The RQ dashboard (rq-dashboard) mounted at ``/admin/rq``, admin-only.

rq-dashboard has no authentication of its own and posts its actions (requeue, delete, empty) without
CSRF tokens. The app-wide guard (:mod:`hub.web.security`) refuses anonymous users and collectors;
here its blueprint is exempted from token CSRF and instead its state-changing requests must come
from our own origin (session cookies are also ``SameSite=Lax``).
"""

from __future__ import annotations

from flask import Flask, abort, request
from flask_wtf.csrf import CSRFProtect

from hub.web.security import same_origin


def mount_rq_dashboard(app: Flask, csrf: CSRFProtect) -> None:
    """Register rq-dashboard's blueprint under ``/admin/rq`` on the app's Redis."""
    import rq_dashboard
    from rq_dashboard.web import setup_rq_connection

    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", str(app.config["REDIS_URL"]))
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 2500)
    setup_rq_connection(app)
    blueprint = rq_dashboard.blueprint
    if not getattr(blueprint, "_hub_origin_check", False):
        # rq-dashboard's blueprint is a module global: attach the check once per process.
        @blueprint.before_request  # type: ignore[untyped-decorator]
        def check_origin() -> None:
            if request.method not in ("GET", "HEAD", "OPTIONS") and not same_origin():
                abort(403)

        blueprint._hub_origin_check = True
    app.register_blueprint(blueprint, url_prefix="/admin/rq")
    csrf.exempt(blueprint)


__all__ = ["mount_rq_dashboard"]
