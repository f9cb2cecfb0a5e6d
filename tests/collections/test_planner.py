"""Planner: steps, recipients, sending hours per time zone, suppression reasons, at most once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.collections.actions import CollectorActions
from hub.collections.channels import ChannelService
from hub.collections.consent import ConsentLedger
from hub.collections.models import Reminder
from hub.collections.planner import Planner
from hub.collections.policies import PolicyService

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday
TODAY = NOW.date()


def _conf() -> Any:
    import sys

    return next(m for n, m in sys.modules.items() if n.endswith("collections.conftest"))


def _email_channel(channels: ChannelService) -> None:
    channels.add(
        "mail",
        "email_reminders",
        {"host": "127.0.0.1", "port": 2525, "security": "none", "from_address": "ar@acme.example"},
    )


def _rows(engine: Engine) -> list[Reminder]:
    with Session(engine) as session:
        return list(session.exec(select(Reminder).order_by(Reminder.id)))  # type: ignore[arg-type]


def test_default_policy_plans_each_due_step_once(
    engine: Engine, channels: ChannelService, connection_id: int
) -> None:
    c = _conf()
    _email_channel(channels)
    c.add_customer(engine, connection_id, "C1", email="main@c1.example")
    c.add_contact(
        engine, connection_id, "K1", "C1", email="ap@c1.example", title="Accounts Payable"
    )
    c.add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=1))  # overdue-1
    c.add_invoice(engine, connection_id, "I2", "C1", TODAY + timedelta(days=3))  # upcoming
    c.add_invoice(engine, connection_id, "I3", "C1", TODAY + timedelta(days=10))  # nothing yet
    planner = Planner(engine, connection_id, channels)
    first = planner.plan(NOW)
    assert first.created == 2
    rows = {r.invoice_external_id: r for r in _rows(engine)}
    assert set(rows) == {"I1", "I2"}
    assert rows["I1"].step_key == "overdue-1" and rows["I2"].step_key == "upcoming"
    assert {r.recipient for r in rows.values()} == {"ap@c1.example"}  # billing role first
    assert all(r.status == "scheduled" and r.scheduled_for == NOW for r in rows.values())
    assert planner.plan(NOW).created == 0
    assert planner.plan(NOW + timedelta(hours=5)).created == 0
    assert len(_rows(engine)) == 2


def test_fallback_to_customer_email_and_no_contact(
    engine: Engine, channels: ChannelService, connection_id: int
) -> None:
    c = _conf()
    _email_channel(channels)
    c.add_customer(engine, connection_id, "C1", email="only@c1.example")
    c.add_customer(engine, connection_id, "C2")
    c.add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=1))
    c.add_invoice(engine, connection_id, "I2", "C2", TODAY - timedelta(days=1))
    Planner(engine, connection_id, channels).plan(NOW)
    rows = {r.invoice_external_id: r for r in _rows(engine)}
    assert rows["I1"].recipient == "only@c1.example" and rows["I1"].recipient_role == "customer"
    assert (rows["I2"].status, rows["I2"].reason) == ("suppressed", "no_contact")


def test_every_suppression_has_a_reason(
    engine: Engine, channels: ChannelService, connection_id: int
) -> None:
    c = _conf()
    _email_channel(channels)
    due = TODAY - timedelta(days=1)
    for n in range(1, 8):
        c.add_customer(
            engine,
            connection_id,
            f"C{n}",
            email=f"c{n}@x.example",
            custom={"custentity_collections_pause": "T"} if n == 4 else None,
        )
    c.add_invoice(engine, connection_id, "pending", "C1", due, status="pending_approval")
    c.add_invoice(engine, connection_id, "disputed", "C2", due)
    c.add_invoice(engine, connection_id, "promised", "C3", due)
    c.add_invoice(engine, connection_id, "custpaused", "C4", due)
    c.add_invoice(
        engine, connection_id, "invpaused", "C5", due, custom={"custentity_collections_pause": True}
    )
    c.add_invoice(engine, connection_id, "optedout", "C6", due)
    c.add_invoice(
        engine,
        connection_id,
        "small",
        "C7",
        due,
        amount="100.00",
        due_amount="3.00",
        status="partially_paid",
    )
    actions = CollectorActions(engine, connection_id, "alice")
    actions.dispute("disputed", "wrong quantity")
    actions.promise("promised", TODAY + timedelta(days=5))
    ConsentLedger(engine).record("c6@x.example", "email", "opt_out", actor="c6", method="cli")
    PolicyService(engine).save(
        "strict",
        [{"key": "overdue-1", "offset_days": 1, "channels": ["email"]}],
        {"min_amount_due": "5"},
        default=True,
    )
    Planner(engine, connection_id, channels).plan(NOW)
    got = {r.invoice_external_id: (r.status, r.reason) for r in _rows(engine)}
    assert got == {
        "pending": ("held", "pending_approval"),
        "disputed": ("held", "disputed"),
        "promised": ("held", "promise_to_pay"),
        "custpaused": ("held", "customer_paused"),
        "invpaused": ("held", "invoice_paused"),
        "optedout": ("suppressed", "opted_out"),
        "small": ("suppressed", "partially_paid_below_threshold"),
    }


def test_broken_promise_resumes_chasing(
    engine: Engine, channels: ChannelService, connection_id: int
) -> None:
    c = _conf()
    _email_channel(channels)
    c.add_customer(engine, connection_id, "C1", email="c1@x.example")
    c.add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=1))
    CollectorActions(engine, connection_id).promise("I1", TODAY)
    planner = Planner(engine, connection_id, channels)
    planner.plan(NOW)
    assert [(r.status, r.reason) for r in _rows(engine)] == [("held", "promise_to_pay")]
    result = planner.plan(NOW + timedelta(days=1))
    assert result.released == 1
    assert [r.status for r in _rows(engine)] == ["scheduled"]
    from hub.collections.timeline import timeline

    assert "promise_broken" in [e.kind for e in timeline(engine, connection_id, "C1")]


def test_sending_hours_follow_the_recipient_time_zone(
    engine: Engine, channels: ChannelService, connection_id: int
) -> None:
    c = _conf()
    _email_channel(channels)
    c.add_customer(engine, connection_id, "T", email="t@tokyo.example", tz="Asia/Tokyo")
    c.add_customer(engine, connection_id, "N", email="n@ny.example", tz="America/New_York")
    c.add_invoice(engine, connection_id, "IT", "T", TODAY - timedelta(days=1))
    c.add_invoice(engine, connection_id, "IN", "N", TODAY - timedelta(days=1))
    Planner(engine, connection_id, channels).plan(NOW)  # 19:00 in Tokyo, 05:00 in New York
    rows = {r.invoice_external_id: r.scheduled_for.astimezone(UTC) for r in _rows(engine)}
    assert rows["IT"] == datetime(2026, 3, 5, 0, 0, tzinfo=UTC)  # 09:00 Thursday in Tokyo
    assert rows["IN"] == datetime(2026, 3, 4, 14, 0, tzinfo=UTC)  # 09:00 EST the same day


def test_weekends_are_skipped(engine: Engine, channels: ChannelService, connection_id: int) -> None:
    c = _conf()
    _email_channel(channels)
    c.add_customer(engine, connection_id, "C1", email="c1@x.example")
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    c.add_invoice(engine, connection_id, "I1", "C1", saturday.date() - timedelta(days=1))
    Planner(engine, connection_id, channels).plan(saturday)
    assert _rows(engine)[0].scheduled_for.astimezone(UTC) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def test_grouping_and_escalation_and_segments(
    engine: Engine, channels: ChannelService, connection_id: int
) -> None:
    c = _conf()
    _email_channel(channels)
    c.add_customer(
        engine, connection_id, "C1", email="c1@x.example", custom={"collections_segment": "key"}
    )
    c.add_contact(engine, connection_id, "K1", "C1", email="boss@c1.example", primary=True)
    c.add_contact(engine, connection_id, "K2", "C1", email="ap@c1.example", title="Billing")
    c.add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=7))
    c.add_invoice(engine, connection_id, "I2", "C1", TODAY - timedelta(days=8))
    policies = PolicyService(engine)
    policies.save(
        "key-accounts",
        [
            {
                "key": "late",
                "offset_days": 7,
                "channels": ["email"],
                "also": ["primary"],
                "internal": ["collector@acme.example"],
            },
        ],
        {"group_invoices": True},
    )
    policies.assign("key-accounts", connection_id, segment="key")
    Planner(engine, connection_id, channels).plan(NOW)
    rows = _rows(engine)
    assert {r.step_key for r in rows} == {"late"}
    by_recipient: dict[str, set[str]] = {}
    keys: dict[str, set[str]] = {}
    for r in rows:
        by_recipient.setdefault(r.recipient, set()).add(r.invoice_external_id)
        keys.setdefault(r.recipient, set()).add(r.message_key)
    assert by_recipient == {
        a: {"I1", "I2"} for a in ("ap@c1.example", "boss@c1.example", "collector@acme.example")
    }
    assert all(len(k) == 1 for k in keys.values())  # one message per recipient for both invoices


def test_preview_simulates_days_ahead_without_writing(
    engine: Engine, channels: ChannelService, connection_id: int
) -> None:
    c = _conf()
    _email_channel(channels)
    c.add_customer(engine, connection_id, "C1", email="c1@x.example")
    c.add_invoice(engine, connection_id, "I1", "C1", TODAY + timedelta(days=2))
    preview = Planner(engine, connection_id, channels).preview(14, NOW)
    steps = sorted({(day, item.step_key) for day, item in preview})
    assert steps == [
        (date(2026, 3, 4), "upcoming"),
        (date(2026, 3, 7), "overdue-1"),
        (date(2026, 3, 13), "overdue-7"),
    ]
    assert _rows(engine) == []


def test_find_due_is_one_indexed_query_per_step(
    engine: Engine, channels: ChannelService, connection_id: int
) -> None:
    c = _conf()
    _email_channel(channels)
    c.add_customer(engine, connection_id, "C1", email="c1@x.example")
    c.add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=1))
    c.add_invoice(engine, connection_id, "I2", "C1", TODAY - timedelta(days=1), status="paid")
    c.add_invoice(engine, connection_id, "I3", "C1", TODAY - timedelta(days=200))
    planner = Planner(engine, connection_id, channels)
    found = planner.find_due(NOW)
    assert ("I1", "overdue-1") in {(inv.external_id, key) for inv, key in found}
    assert {inv.external_id for inv, _ in found} == {"I1"}  # paid and long-past ones are not
    planner.plan(NOW)
    again = {(inv.external_id, key) for inv, key in planner.find_due(NOW)}
    assert ("I1", "overdue-1") not in again  # already planned: the anti-join leaves it out
    plan = "\n".join(planner.explain_due(NOW))
    steps = [s.key for s in PolicyService(engine).ensure_default().steps]
    assert all(f"step {key} " in plan for key in steps)
    if engine.dialect.name == "sqlite":
        assert "USING INDEX ix_invoice_open_due" in plan and "SCAN invoice" not in plan
