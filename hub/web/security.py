"""Who may open what: one guard in front of every route, plus response hardening headers.

The guard is deny-by-default, so views a plugin adds are protected even if the plugin forgets:

* public: the login page, static assets, signed webhooks (which verify their own signature) and
  signed unsubscribe links;
* everything else needs a logged-in, active user;
* collectors only reach views whose class lists ``"collector"`` in ``roles`` (plus the dashboard
  and logout); anything else — connections, mappings, users, the RQ dashboard — is admin-only.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "admin.static"})
PUBLIC_BLUEPRINTS = frozenset({"webhooks", "unsubscribe"})
COLLECTOR_ENDPOINTS = frozenset({"auth.logout", "admin.index"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


def collector_blueprints(app: Flask) -> frozenset[str]:
    """Endpoints (blueprint names) of admin views open to collectors."""
    admin: Any = app.extensions["hub_admin"]
    return frozenset(
        view.endpoint for view in admin._views if "collector" in getattr(view, "roles", ("admin",))
    )


def install_guard(app: Flask) -> None:
    """Register the before-request guard and the security headers."""

    @app.before_request
    def guard() -> ResponseReturnValue | None:
        endpoint = request.endpoint
        if endpoint is None:  # no route matched: let Flask answer 404/405
            return None
        blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else ""
        if endpoint in PUBLIC_ENDPOINTS or blueprint in PUBLIC_BLUEPRINTS:
            return None
        if not current_user.is_authenticated:
            if request.method != "GET" or request.path.startswith("/admin/rq"):
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if getattr(current_user, "role", None) == "admin":
            return None
        allowed = app.extensions.get("hub_collector_blueprints")
        if allowed is None:
            allowed = app.extensions["hub_collector_blueprints"] = collector_blueprints(app)
        if endpoint in COLLECTOR_ENDPOINTS or blueprint in allowed:
            return None
        abort(403)

    @app.after_request
    def harden(response: Any) -> Any:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint not in ("static", "admin.static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def same_origin() -> bool:
    """Whether a state-changing request came from our own pages (Origin or Referer check)."""
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return origin.startswith(request.host_url.rstrip("/"))


__all__ = ["CONTENT_SECURITY_POLICY", "install_guard", "same_origin"]
