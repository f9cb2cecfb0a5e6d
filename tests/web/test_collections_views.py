"""Dashboard, data views and collections screens over real rows, on SQLite and PostgreSQL:
aging/DSO, filters, the outbox, consent ledger, 14-day preview, timeline, collector actions,
policy step editor, template preview, the unsubscribe link and the signed SMS webhook."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_admin.contrib.sqla.filters import FilterEqual
from sqlmodel import Session, select
from webhelpers import csrf_token, seed_receivables

from conftest import SECRET_KEY
from hub.collections import ChannelService, ConsentLedger, PolicyService
from hub.collections.models import CollectionsHold, ConsentEvent, ReminderPolicy, TimelineEvent
from hub.web.db import engine_of
from hub.web.services import secret_box
from hub.web.views.data import OverdueBucketFilter
from hub.web.webhooks import twilio_signature

AUTH_TOKEN = "sms-auth-token-value-1234567890"


@pytest.fixture
def seeded(db_app: Flask) -> dict[str, Any]:
    return seed_receivables(engine_of(db_app))


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_dashboard_shows_aging_and_dso_per_currency(
    db_admin: FlaskClient, seeded: dict[str, Any]
) -> None:
    html = page(db_admin, "/admin/")
    assert "Total open USD 600.00" in html
    assert "Total open EUR 250.50" in html
    # USD: 600 open / 400 invoiced in the last 90 days x 90 days
    assert re.search(r'data-currency="USD".*?class="dso">135\.0<', html, re.S)


def filter_index(app: Flask, endpoint: str, kind: type, column: str | None = None) -> int:
    """Flask-Admin's index of a list filter (the ``<n>`` in ``flt0_<n>=``)."""
    view = next(v for v in app.extensions["hub_admin"]._views if v.endpoint == endpoint)
    for n, flt in enumerate(view._filters):
        if isinstance(flt, kind) and (column is None or flt.column.key == column):
            return n
    raise AssertionError(f"no {kind.__name__} filter on {endpoint}")


def test_data_views_list_filter_and_detail(
    db_collector: FlaskClient, seeded: dict[str, Any]
) -> None:
    customers = page(db_collector, "/admin/customer/")
    assert "Blue Chemicals" in customers and "Oak Plastics" in customers
    invoices = page(db_collector, "/admin/invoice/")
    assert "INV-1" in invoices and "INV-E1" in invoices
    bucket = filter_index(db_collector.application, "invoice", OverdueBucketFilter)
    filtered = page(db_collector, f"/admin/invoice/?flt0_{bucket}=31-60")
    assert "INV-3" in filtered and "INV-2\n" not in filtered and "INV-E1" not in filtered
    with Session(engine_of(db_collector.application)) as session:
        from hub.models import Customer, Payment

        c1 = session.exec(select(Customer).where(Customer.external_id == "C1")).one()
        p1 = session.exec(select(Payment).where(Payment.external_id == "P1")).one()
    overview = page(db_collector, f"/admin/customer/overview/{c1.id}")
    assert "Ann" in overview and "USD 600.00" in overview
    assert "INV-5" in overview and "120 days overdue" in overview
    payment = page(db_collector, f"/admin/payment/overview/{p1.id}")
    assert "I1" in payment and "50.00" in payment


def test_collector_actions_pause_dispute_promise_and_resume(
    db_collector: FlaskClient, db_app: Flask, seeded: dict[str, Any]
) -> None:
    engine = engine_of(db_app)
    cid = seeded["connection_id"]
    token = csrf_token(db_collector, "/admin/customer/")
    base = {"csrf_token": token, "connection_id": str(cid), "next": "/admin/holds/"}

    refused = db_collector.post(
        "/admin/actions/pause", data={**base, "csrf_token": "", "external_id": "I2"}
    )
    assert refused.status_code == 400
    answer = db_collector.post(
        "/admin/actions/pause", data={**base, "scope": "invoice", "external_id": "I2"}
    )
    assert answer.status_code == 302 and answer.location.endswith("/admin/holds/")
    db_collector.post(
        "/admin/actions/dispute", data={**base, "external_id": "I3", "reason": "wrong price"}
    )
    until = (date.today() + timedelta(days=7)).isoformat()
    db_collector.post(
        "/admin/actions/promise",
        data={**base, "external_id": "I4", "until": until, "amount": "40.00"},
    )
    db_collector.post(
        "/admin/actions/pause", data={**base, "scope": "customer", "external_id": "C2"}
    )
    bad = db_collector.post(
        "/admin/actions/promise",
        data={**base, "external_id": "I5", "until": "soon"},
        follow_redirects=True,
    )
    assert "is not a date" in bad.get_data(as_text=True)
    with Session(engine) as session:
        holds = {
            (h.scope, h.external_id, h.kind): h
            for h in session.exec(select(CollectionsHold).where(CollectionsHold.status == "active"))
        }
        events = list(session.exec(select(TimelineEvent)))
    assert set(holds) == {
        ("invoice", "I2", "pause"),
        ("invoice", "I3", "dispute"),
        ("invoice", "I4", "promise"),
        ("customer", "C2", "pause"),
    }
    assert str(holds[("invoice", "I4", "promise")].until) == until
    assert all(e.actor == "clerk@example.test" for e in events) and len(events) == 4
    holds_page = page(db_collector, "/admin/holds/")
    assert "wrong price" in holds_page

    db_collector.post(
        "/admin/actions/resume", data={**base, "scope": "invoice", "external_id": "I2"}
    )
    with Session(engine) as session:
        active = session.exec(
            select(CollectionsHold).where(
                CollectionsHold.external_id == "I2", CollectionsHold.status == "active"
            )
        ).all()
    assert active == []
    timeline = page(db_collector, "/admin/timeline/")
    assert "paused" in timeline and "resumed" in timeline


def test_outbox_preview_and_consent_views(
    db_collector: FlaskClient, db_app: Flask, seeded: dict[str, Any]
) -> None:
    engine = engine_of(db_app)
    with db_app.app_context():
        channels = ChannelService(engine, db_app.extensions["hub_plugins"], secret_box())
    channels.add(
        "mail",
        "email_reminders",
        {"host": "127.0.0.1", "port": 2525, "security": "none", "from_address": "ar@acme.example"},
    )
    PolicyService(engine).ensure_default()
    ConsentLedger(engine).record(
        "ann@blue.example", "email", "opt_out", actor="clerk", method="phone call"
    )
    preview = page(db_collector, "/admin/plan/")
    rows = re.findall(r"<tr>\s*<td>(\d{4}-\d\d-\d\d)</td><td>erp</td><td>(\w+)</td>", preview)
    assert {inv for _day, inv in rows} >= {"I6", "E1"}  # due in 5 days / 10 days overdue
    assert "opted_out" in preview  # Ann's address is opted out; the row says why
    from hub.collections import Planner

    Planner(engine, seeded["connection_id"], channels).plan()
    outbox = page(db_collector, "/admin/reminders/")
    assert "ap@oak.example" in outbox and "opted_out" in outbox
    status = filter_index(db_collector.application, "reminders", FilterEqual, "status")
    suppressed = page(db_collector, f"/admin/reminders/?flt0_{status}=suppressed")
    assert "opted_out" in suppressed and "ap@oak.example" not in suppressed
    consent = page(db_collector, "/admin/consent/")
    assert "ann@blue.example" in consent and "phone call" in consent


def test_policy_step_editor_saves_valid_and_refuses_invalid(
    db_admin: FlaskClient, db_app: Flask, seeded: dict[str, Any]
) -> None:
    listing = page(db_admin, "/admin/policies/")
    assert "default" in listing and "overdue-7" in listing
    form = page(db_admin, "/admin/policies/edit/default")
    token = csrf_token(db_admin, "/admin/policies/edit/default")
    inputs = re.findall(r'name="(step-\d+-[a-z_]+)" value="([^"]*)"', form)
    fields = {k: v for k, v in inputs if not k.endswith("-delete")}  # unchecked boxes: not sent
    fields.update({"csrf_token": token, "timezone": "Europe/Berlin", "send_from": "08:00"})
    fields.update({"weekday-0": "1", "weekday-2": "1", "is_default": "1"})
    fields.update({"step-5-key": "courtesy", "step-5-offset_days": "3", "step-5-channels": "email"})
    answer = db_admin.post("/admin/policies/edit/default", data=fields)
    assert answer.status_code == 302
    with Session(engine_of(db_app)) as session:
        row = session.exec(select(ReminderPolicy).where(ReminderPolicy.name == "default")).one()
    assert [s["key"] for s in row.steps][:3] == ["upcoming", "overdue-1", "courtesy"]
    assert row.settings["timezone"] == "Europe/Berlin" and row.settings["weekdays"] == [0, 2]

    fields["step-0-channels"] = "fax"
    refused = db_admin.post("/admin/policies/edit/default", data=fields)
    assert refused.status_code == 200
    assert 'id="policy-error"' in refused.get_data(as_text=True)
    assert "fax" in refused.get_data(as_text=True)


def test_template_live_preview_and_save(db_admin: FlaskClient, db_app: Flask) -> None:
    html = page(db_admin, "/admin/templates/edit/overdue")
    assert "past due" in html and "INV-1001" in html
    token = csrf_token(db_admin, "/admin/templates/edit/overdue")
    preview = db_admin.post(
        "/admin/templates/preview/overdue",
        data={"csrf_token": token, "intro": "Hello {{ customer_name }}, please pay."},
    )
    assert preview.status_code == 200
    assert "Hello Blue Chemicals Ltd, please pay." in preview.get_json()["text"]
    broken = db_admin.post(
        "/admin/templates/preview/overdue", data={"csrf_token": token, "intro": "{{ nope }}"}
    )
    assert broken.status_code == 400 and "template error" in broken.get_json()["error"]
    saved = db_admin.post(
        "/admin/templates/edit/gentle", data={"csrf_token": token, "intro": "Just a nudge."}
    )
    assert saved.status_code == 302
    assert "Just a nudge." in page(db_admin, "/admin/templates/edit/gentle")
    assert "gentle" in page(db_admin, "/admin/templates/edit/overdue")


def test_collector_never_sees_policies_templates_or_channel_secrets(
    db_collector: FlaskClient, db_app: Flask
) -> None:
    engine = engine_of(db_app)
    with db_app.app_context():
        channels = ChannelService(engine, db_app.extensions["hub_plugins"], secret_box())
    channels.add("sms-main", "sms_reminders", sms_config())
    for url in (
        "/admin/policies/",
        "/admin/policies/edit/default",
        "/admin/templates/edit/overdue",
    ):
        assert db_collector.get(url).status_code == 403, url
    token = csrf_token(db_collector, "/admin/customer/")
    assert (
        db_collector.post("/admin/policies/edit/default", data={"csrf_token": token}).status_code
        == 403
    )
    assert (
        db_collector.post(
            "/admin/templates/preview/overdue", data={"csrf_token": token, "intro": "x"}
        ).status_code
        == 403
    )
    for url in ("/admin/", "/admin/plan/", "/admin/reminders/", "/admin/consent/"):
        html = page(db_collector, url)
        assert AUTH_TOKEN not in html and "Policies" not in html.split("</nav>")[0]


def sms_config() -> dict[str, str]:
    return {
        "provider": "twilio",
        "account_sid": "AC" + "0" * 32,
        "auth_token": AUTH_TOKEN,
        "from_number": "+14155550100",
    }


def test_inbound_sms_webhook_checks_the_twilio_signature(db_app: Flask) -> None:
    engine = engine_of(db_app)
    with db_app.app_context():
        channels = ChannelService(engine, db_app.extensions["hub_plugins"], secret_box())
    channels.add("sms-main", "sms_reminders", sms_config())
    client = db_app.test_client()
    url = "http://localhost/webhooks/sms/sms-main"
    form = {"From": "+14155550123", "Body": "STOP", "MessageSid": "SM" + "1" * 32}

    def post(data: dict[str, str], signature: str, channel: str = "sms-main") -> Any:
        return client.post(
            f"/webhooks/sms/{channel}", data=data, headers={"X-Twilio-Signature": signature}
        )

    assert post(form, "").status_code == 401
    assert post(form, twilio_signature("wrong-token", url, form)).status_code == 401
    tampered = {**form, "Body": "START"}
    assert post(tampered, twilio_signature(AUTH_TOKEN, url, form)).status_code == 401
    assert post(form, twilio_signature(AUTH_TOKEN, url, form), "nope").status_code == 401
    good = post(form, twilio_signature(AUTH_TOKEN, url, form))
    assert good.status_code == 200 and good.mimetype == "text/xml"
    assert post(form, twilio_signature(AUTH_TOKEN, url, form)).status_code == 409  # replay
    with Session(engine) as session:
        events = list(session.exec(select(ConsentEvent)))
    assert [(e.address, e.channel, e.action, e.method) for e in events] == [
        ("+14155550123", "sms", "opt_out", "inbound_sms")
    ]


def test_unsubscribe_link_records_an_opt_out(db_app: Flask) -> None:
    from hub.collections.consent import unsubscribe_token

    engine = engine_of(db_app)
    token = unsubscribe_token("ann@blue.example", "email", secret_key=SECRET_KEY)
    forged = unsubscribe_token("ann@blue.example", "email", secret_key="another-key-" + "x" * 30)
    client = db_app.test_client()
    assert client.get("/unsubscribe/not-a-valid-token").status_code == 404
    assert client.post(f"/unsubscribe/{forged}").status_code == 404
    confirm = client.get(f"/unsubscribe/{token}")
    assert confirm.status_code == 200
    body = confirm.get_data(as_text=True)
    assert "a***@blue.example" in body and "ann@blue.example" not in body
    done = client.post(f"/unsubscribe/{token}")  # one-click: no CSRF token, no login
    assert done.status_code == 200 and 'id="unsubscribed"' in done.get_data(as_text=True)
    assert ConsentLedger(engine).state("ann@blue.example", "email").opted_out
