"""The Channels page: add an email channel pointing at a real SMTP server on loopback, test it,
edit it with the password left empty, remove it; secrets never rendered; collectors refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask.testing import FlaskClient
from webhelpers import csrf_token

from hub.web.demo import free_port
from hub.web.mailsink import FolderHandler, read_messages

SMTP_PASSWORD = "smtp-pa55word-never-shown"


class Authenticator:
    """Accepts only ``ar`` / :data:`SMTP_PASSWORD`."""

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = isinstance(data, LoginPassword) and data.password.decode() == SMTP_PASSWORD
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    folder = tmp_path / "mail"
    sink = Controller(
        FolderHandler(folder),
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=Authenticator(),
        auth_require_tls=False,
    )
    sink.start()
    yield sink.port, folder
    sink.stop()


def add_form(port: int, password: str = SMTP_PASSWORD, **extra: str) -> dict[str, str]:
    return {
        "name": "mail",
        "cfg_host": "127.0.0.1",
        "cfg_port": str(port),
        "cfg_security": "none",
        "cfg_username": "ar",
        "cfg_password": password,
        "cfg_from_address": "ar@acme.test",
        "cfg_verify": "",
        **extra,
    }


def test_admin_adds_tests_edits_and_removes_an_email_channel(
    admin_client: FlaskClient, smtp: tuple[int, Path], caplog: pytest.LogCaptureFixture
) -> None:
    port, folder = smtp
    new_url = "/admin/channels/new?plugin=email_reminders"
    form = admin_client.get(new_url).get_data(as_text=True)
    assert 'type="password" id="cfg_password"' in form
    token = csrf_token(admin_client, new_url)
    added = admin_client.post(new_url, data={**add_form(port), "csrf_token": token})
    assert added.status_code == 302, added.get_data(as_text=True)

    listing = admin_client.get("/admin/channels/").get_data(as_text=True)
    assert 'data-channel="mail"' in listing and "email_reminders" in listing
    assert "<code>password</code>: set" in listing and "ar@acme.test" in listing

    checked = admin_client.post("/admin/channels/mail/test", data={"csrf_token": token})
    page = checked.get_data(as_text=True)
    assert 'id="channel-diagnosis" data-ok="true"' in page, page
    assert 'data-status="active"' in page

    sent = admin_client.post(
        "/admin/channels/mail/test", data={"csrf_token": token, "to": "ap@customer.test"}
    )
    assert 'data-ok="true"' in sent.get_data(as_text=True)
    assert [m["to"] for m in read_messages(folder)] == ["ap@customer.test"]

    # Editing with the password left empty keeps it: the channel still authenticates.
    edited = admin_client.post(
        "/admin/channels/mail/edit",
        data={**add_form(port, password="", cfg_from_name="Acme AR"), "csrf_token": token},
    )
    assert edited.status_code == 302, edited.get_data(as_text=True)
    again = admin_client.post("/admin/channels/mail/test", data={"csrf_token": token})
    assert 'data-ok="true"' in again.get_data(as_text=True)

    edit_page = admin_client.get("/admin/channels/mail/edit").get_data(as_text=True)
    assert 'class="badge badge-secondary secret-set">set<' in edit_page
    assert "Acme AR" in edit_page
    for url in ("/admin/channels/", "/admin/channels/mail/edit", new_url):
        assert SMTP_PASSWORD not in admin_client.get(url).get_data(as_text=True), url
    for response in (added, checked, sent, edited, again):
        assert SMTP_PASSWORD not in response.get_data(as_text=True)
    assert SMTP_PASSWORD not in caplog.text

    removed = admin_client.post("/admin/channels/mail/delete", data={"csrf_token": token})
    assert removed.status_code == 302
    assert 'data-channel="mail"' not in admin_client.get("/admin/channels/").get_data(as_text=True)


def test_wrong_password_shows_a_failed_diagnosis(
    admin_client: FlaskClient, smtp: tuple[int, Path]
) -> None:
    port, _ = smtp
    url = "/admin/channels/new?plugin=email_reminders"
    token = csrf_token(admin_client, url)
    admin_client.post(url, data={**add_form(port, password="wrong-one"), "csrf_token": token})
    page = admin_client.post("/admin/channels/mail/test", data={"csrf_token": token})
    body = page.get_data(as_text=True)
    assert 'data-ok="false"' in body and 'data-status="error"' in body
    assert "wrong-one" not in body


def test_bad_config_shows_the_json_path_errors(admin_client: FlaskClient) -> None:
    url = "/admin/channels/new?plugin=email_reminders"
    token = csrf_token(admin_client, url)
    bad = {**add_form(0, cfg_from_address="not-an-address"), "csrf_token": token}
    response = admin_client.post(url, data=bad)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="channel-error"' in body
    assert "$.port" in body and "$.from_address" in body
    assert SMTP_PASSWORD not in body
    assert 'data-channel="mail"' not in admin_client.get("/admin/channels/").get_data(as_text=True)


def test_collectors_are_refused_and_posts_need_csrf(
    collector_client: FlaskClient, admin_client: FlaskClient
) -> None:
    for url in ("/admin/channels/", "/admin/channels/new?plugin=email_reminders"):
        assert collector_client.get(url).status_code == 403, url
    token = csrf_token(collector_client, "/admin/customer/")
    for action in ("test", "delete", "edit"):
        url = f"/admin/channels/mail/{action}"
        assert collector_client.post(url, data={"csrf_token": token}).status_code == 403, url
    assert admin_client.post("/admin/channels/mail/delete").status_code == 400
    assert admin_client.get("/admin/channels/nope/edit").status_code == 404
