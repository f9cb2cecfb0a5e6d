"""Security of the admin: every route needs login, collectors stay out of admin pages, CSRF,
login rate limiting, secrets never rendered, signed webhooks."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlmodel import Session
from webhelpers import ACCOUNT_TOKEN_SCHEMA, PASSWORD, csrf_token, login

from hub import CheckResult, Connector, StreamSpec, hookimpl
from hub.plugins import PluginHost, set_plugin_host
from hub.web.admin_base import HubView
from hub.web.models import User
from hub.web.webhooks import sign

PUBLIC = {"auth.login", "static", "admin.static", "unsubscribe.unsubscribe_page"}
COLLECTOR_OK = (
    "/admin/",
    "/admin/customer/",
    "/admin/invoice/",
    "/admin/payment/",
    "/admin/reminders/",
    "/admin/timeline/",
    "/admin/holds/",
    "/admin/consent/",
    "/admin/plan/",
)
ADMIN_ONLY = (
    "/admin/channels/",
    "/admin/channels/new?plugin=email_reminders",
    "/admin/connections/",
    "/admin/connections/new?plugin=example_csv",
    "/admin/mappings/",
    "/admin/runs/",
    "/admin/quarantine/",
    "/admin/users/",
    "/admin/plugins/",
    "/admin/policies/",
    "/admin/policies/edit/default",
    "/admin/templates/edit/overdue",
    "/admin/rq/",
    "/admin/rq/0/data/queues.json",
)


def concrete_url(rule: Any) -> str:
    values = {
        arg: 1 if "int" in str(rule._converters.get(arg, "")).lower() else "x"
        for arg in rule.arguments
    }
    url = rule.rule
    for arg, value in values.items():
        url = re.sub(rf"<(?:[^:>]+:)?{arg}>", str(value), url)
    return url


def guarded_rules(app: Flask) -> list[Any]:
    return [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint not in PUBLIC and not r.endpoint.startswith("webhooks.")
    ]


def test_every_route_refuses_anonymous_users(app: Flask) -> None:
    client = app.test_client()
    rules = guarded_rules(app)
    assert any(r.rule.startswith("/admin/rq") for r in rules)  # rq-dashboard walked too
    for rule in rules:
        url = concrete_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if rule.endpoint == "root":
                assert response.status_code == 302
                continue
            # POSTs may be refused by the CSRF check (400) before the login guard (401).
            assert response.status_code in (302, 400, 401), (method, url, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.location, (url, response.location)


def test_collector_is_refused_on_admin_only_routes(collector_client: FlaskClient) -> None:
    for url in ADMIN_ONLY:
        assert collector_client.get(url).status_code == 403, url
    for url in COLLECTOR_OK:
        assert collector_client.get(url).status_code == 200, url
    page = collector_client.get("/admin/").get_data(as_text=True)
    assert "Connections" not in page and "Mappings" not in page


def test_collector_cannot_post_to_connection_actions(
    app: Flask, collector_client: FlaskClient
) -> None:
    token = csrf_token(collector_client, "/admin/customer/")
    for url in (
        "/admin/connections/1/test",
        "/admin/connections/1/sync",
        "/admin/connections/1/delete",
        "/admin/mappings/save",
        "/admin/users/add",
    ):
        assert collector_client.post(url, data={"csrf_token": token}).status_code == 403, url


def test_admin_reaches_every_page(admin_client: FlaskClient) -> None:
    for url in (
        *COLLECTOR_OK,
        "/admin/connections/",
        "/admin/runs/",
        "/admin/quarantine/",
        "/admin/users/",
        "/admin/plugins/",
        "/admin/policies/",
        "/admin/channels/",
        "/admin/rq/",
        "/admin/mail/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_posts_without_csrf_token_are_refused(app: Flask, admin_client: FlaskClient) -> None:
    anonymous = app.test_client()
    response = anonymous.post("/login", data={"email": "admin@example.test", "password": PASSWORD})
    assert response.status_code == 400
    assert (
        admin_client.post(
            "/admin/users/add",
            data={"email": "new@example.test", "password": PASSWORD, "role": "admin"},
        ).status_code
        == 400
    )
    assert admin_client.post("/logout").status_code == 400
    token = csrf_token(admin_client, "/admin/users/")
    assert (
        admin_client.post(
            "/admin/users/add",
            data={
                "email": "new@example.test",
                "password": PASSWORD,
                "role": "admin",
                "csrf_token": token,
            },
        ).status_code
        == 302
    )


def test_rq_dashboard_actions_need_our_origin(admin_client: FlaskClient) -> None:
    assert admin_client.post("/admin/rq/queue/default/failed/empty").status_code == 403
    ok = admin_client.post(
        "/admin/rq/queue/default/failed/empty", headers={"Origin": "http://localhost"}
    )
    assert ok.status_code == 200


def test_login_rate_limit_blocks_after_repeated_failures(app: Flask) -> None:
    client = app.test_client()
    for _ in range(5):
        assert login(client, "admin@example.test", "wrong-password!").status_code == 401
    assert login(client, "admin@example.test", PASSWORD).status_code == 429


def test_login_refuses_inactive_users_and_open_redirects(app: Flask, sqlite_engine: Engine) -> None:
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/x",
        data={"email": "admin@example.test", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and response.location == "/admin/"
    with Session(sqlite_engine) as session:
        user = session.get(User, 2)
        assert user is not None
        user.active = False
        session.add(user)
        session.commit()
    assert login(app.test_client(), "clerk@example.test").status_code == 401


def test_session_cookie_is_hardened(app: Flask) -> None:
    client = app.test_client()
    response = login(client, "admin@example.test")
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("hub_session=")]
    assert cookies and "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]
    page = client.get("/admin/")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


class SecretConnector(Connector):
    name = "secretive"
    title = "Secretive"
    config_schema = ACCOUNT_TOKEN_SCHEMA

    def check(self) -> CheckResult:
        if self.config["token"] == "s3cr3t-token-value":
            return CheckResult(True, "reached the account")
        return CheckResult(False, "the token was refused", causes=["check the token secret"])

    def streams(self) -> list[StreamSpec]:
        return [StreamSpec("customers", "customer")]

    def read(self, stream: str, state: Any) -> Any:
        return iter(())


class SecretPlugin:
    @hookimpl
    def register_connectors(self, register: Any) -> None:
        register(SecretConnector)


@pytest.fixture
def secret_client(app: Flask, plugin_host: PluginHost) -> FlaskClient:
    plugin_host.register(SecretPlugin(), name="secretive")
    client = app.test_client()
    login(client, "admin@example.test")
    return client


def test_secrets_are_write_only_and_never_rendered(
    secret_client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-token-value"
    token = csrf_token(secret_client, "/admin/connections/new?plugin=secretive")
    response = secret_client.post(
        "/admin/connections/new",
        data={
            "csrf_token": token,
            "plugin": "secretive",
            "name": "acme",
            "cfg_account": "A1",
            "cfg_token": secret,
            "obj_customer": "on",
            "frequency": "manual",
            "direction": "secretive_to_hub",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    detail_url = response.location
    pages = [detail_url, "/admin/connections/", "/admin/connections/1/edit", "/admin/"]
    token = csrf_token(secret_client, detail_url)
    tested = secret_client.post(
        "/admin/connections/1/test", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Connection works" in tested.get_data(as_text=True)
    assert 'data-status="active"' in tested.get_data(as_text=True)
    # Editing with the secret left empty keeps it: the connection still tests fine.
    saved = secret_client.post(
        "/admin/connections/1/edit",
        data={
            "csrf_token": token,
            "plugin": "secretive",
            "cfg_account": "A2",
            "cfg_token": "",
            "obj_customer": "on",
            "frequency": "15m",
            "direction": "secretive_to_hub",
        },
    )
    assert saved.status_code == 302
    tested = secret_client.post(
        "/admin/connections/1/test", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Connection works" in tested.get_data(as_text=True)
    for url in pages:
        body = secret_client.get(url).get_data(as_text=True)
        assert secret not in body, url
    edit = secret_client.get("/admin/connections/1/edit").get_data(as_text=True)
    assert 'class="badge badge-secondary secret-set">set<' in edit
    assert secret not in caplog.text


def webhook_post(
    client: FlaskClient,
    secret: str,
    body: bytes,
    *,
    stamp: str | None = None,
    signature: str | None = None,
) -> Any:
    stamp = stamp or str(int(time.time()))
    return client.post(
        "/webhooks/secretive/acme",
        data=body,
        headers={
            "X-Hub-Timestamp": stamp,
            "X-Hub-Signature": signature or sign(secret, stamp, body),
            "Content-Type": "application/json",
        },
    )


def test_webhooks_refuse_bad_signatures_stale_timestamps_and_replays(
    app: Flask, secret_client: FlaskClient
) -> None:
    token = csrf_token(secret_client, "/admin/connections/new?plugin=secretive")
    secret_client.post(
        "/admin/connections/new",
        data={
            "csrf_token": token,
            "plugin": "secretive",
            "name": "acme",
            "cfg_account": "A1",
            "cfg_token": "s3cr3t-token-value",
            "obj_customer": "on",
            "frequency": "realtime",
            "direction": "secretive_to_hub",
        },
    )
    revealed = secret_client.post(
        "/admin/connections/1/webhook-secret", data={"csrf_token": token}
    ).get_data(as_text=True)
    match = re.search(r'id="webhook-secret">([0-9a-f]{64})<', revealed)
    assert match
    secret = match.group(1)
    assert secret not in secret_client.get("/admin/connections/1/").get_data(as_text=True)
    anonymous = app.test_client()
    body = json.dumps({"type": "invoice", "id": "I1"}).encode()
    assert webhook_post(anonymous, "wrong-secret", body).status_code == 401
    assert (
        webhook_post(anonymous, secret, body, stamp=str(int(time.time()) - 3600)).status_code == 401
    )
    missing = anonymous.post("/webhooks/secretive/acme", data=body)
    assert missing.status_code == 401
    unknown = anonymous.post("/webhooks/secretive/nope", data=body)
    assert unknown.status_code == 401
    stamp = str(int(time.time()))
    first = webhook_post(anonymous, secret, body, stamp=stamp)
    assert first.status_code == 202, first.get_data(as_text=True)
    assert first.get_json()["object"] == "invoice"
    assert webhook_post(anonymous, secret, body, stamp=stamp).status_code == 409


class ExtraView(HubView):
    from flask_admin import expose

    @expose("/")
    def index(self) -> str:
        return "plugin page"


def test_hook_register_admin_views(sqlite_engine: Engine, plugin_host: PluginHost) -> None:
    from conftest import build_app

    class Plugin:
        @hookimpl
        def register_admin_views(self, admin: Any, app: Any) -> None:
            admin.add_view(ExtraView(name="Extra", endpoint="extra"))

    assert plugin_host.register(Plugin(), name="extra-plugin")
    with Session(sqlite_engine) as session:
        from hub.web.auth import create_user

        create_user(session, "a@example.test", PASSWORD, "admin")
        create_user(session, "c@example.test", PASSWORD, "collector")
        session.commit()
    app = build_app(sqlite_engine)
    assert app.test_client().get("/admin/extra/").status_code == 302
    collector = app.test_client()
    login(collector, "c@example.test")
    assert collector.get("/admin/extra/").status_code == 403
    admin = app.test_client()
    login(admin, "a@example.test")
    assert admin.get("/admin/extra/").get_data(as_text=True) == "plugin page"
    info = {p.name: p for p in plugin_host.plugins()}["extra-plugin"]
    assert "register_admin_views" in info.hooks
    set_plugin_host(plugin_host)
