"""The planner: which reminders are due now, for whom, and which must be suppressed (and why).

Candidates come from one indexed query per policy step (open invoices whose due date puts the step
in its window, with no reminder for that step yet), never from a scan of every invoice in Python.
Each (invoice, step, channel, recipient) becomes one outbox row, inserted with "on conflict do
nothing" so two planners running at once still create it at most once.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, and_, exists, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from hub.collections import suppression as why
from hub.collections.actions import ActiveHolds, load_active_holds, settle_expired_holds
from hub.collections.channels import ChannelService
from hub.collections.consent import ConsentLedger, normalize
from hub.collections.contacts import Recipient, pick
from hub.collections.models import Channel, Reminder
from hub.collections.policies import Policy, PolicyService, Step
from hub.collections.schedule import local_date, next_send_time, zone
from hub.models import Contact, Customer, Invoice, utcnow

CANDIDATE_STATUSES = ("open", "partially_paid", "pending_approval")


@dataclass(frozen=True)
class PlannedReminder:
    """One outbox row the planner decided on (also what ``reminders preview`` shows)."""

    invoice_external_id: str
    customer_external_id: str | None
    policy_id: int
    step_key: str
    channel: str
    channel_name: str | None
    recipient: str
    recipient_role: str
    template: str
    message_key: str
    status: str  # scheduled | held | suppressed
    reason: str | None
    scheduled_for: datetime
    amount_due: Decimal | None
    due_date: date | None

    def row(self, connection_id: int) -> dict[str, Any]:
        now = utcnow()
        return {
            "connection_id": connection_id,
            "invoice_external_id": self.invoice_external_id,
            "customer_external_id": self.customer_external_id,
            "policy_id": self.policy_id,
            "step_key": self.step_key,
            "channel": self.channel,
            "channel_name": self.channel_name,
            "recipient": self.recipient,
            "recipient_role": self.recipient_role,
            "template": self.template,
            "message_key": self.message_key,
            "status": self.status,
            "reason": self.reason,
            "scheduled_for": self.scheduled_for,
            "amount_due": self.amount_due,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }


@dataclass
class PlanResult:
    """What a planning pass found."""

    invoices: int = 0
    created: int = 0
    released: int = 0
    items: list[PlannedReminder] = field(default_factory=list)

    @property
    def by_status(self) -> Counter[str]:
        return Counter(i.status for i in self.items)

    @property
    def by_reason(self) -> Counter[str]:
        return Counter(i.reason for i in self.items if i.reason)


class Planner:
    """Plans the reminders of one connection.

    :param now: the planning instant (default: the current time), timezone-aware.
    """

    def __init__(self, engine: Engine, connection_id: int, channels: ChannelService) -> None:
        self.engine = engine
        self.connection_id = connection_id
        self.channels = channels
        self.policies = PolicyService(engine)
        self.consent = ConsentLedger(engine)

    # --- public -------------------------------------------------------------------------------

    def plan(self, now: datetime | None = None, *, write: bool = True) -> PlanResult:
        """Create the outbox rows due at ``now`` (nothing is written when ``write`` is false)."""
        now = (now or utcnow()).astimezone(UTC)
        if write:
            settle_expired_holds(self.engine, self.connection_id, now.date())
        result = self._plan(now, exclude=set())
        if write:
            result.created = self._insert(result.items)
            result.released = self.release_held(now)
        return result

    def preview(self, days: int, now: datetime | None = None) -> list[tuple[date, PlannedReminder]]:
        """What would be planned on each of the next ``days`` days (nothing is written)."""
        start = (now or utcnow()).astimezone(UTC)
        seen: set[tuple[str, str]] = set()
        out: list[tuple[date, PlannedReminder]] = []
        for offset in range(days):
            moment = start + timedelta(days=offset)
            result = self._plan(moment, exclude=seen)
            for item in result.items:
                seen.add((item.invoice_external_id, item.step_key))
                out.append((moment.date(), item))
        return out

    def find_due(self, now: datetime) -> list[tuple[Invoice, str]]:
        """The candidate (invoice, step key) pairs at ``now`` (the indexed queries only)."""
        found: list[tuple[Invoice, str]] = []
        with Session(self.engine) as session:
            for step_key, low, high in self._windows(now):
                rows = session.execute(self._due_query(step_key, low, high)).scalars()
                found.extend((inv, step_key) for inv in rows)
        return found

    def explain_due(self, now: datetime) -> list[str]:
        """The database's plan for each step's candidate query (``EXPLAIN QUERY PLAN`` on SQLite,
        ``EXPLAIN`` on PostgreSQL), one line per plan row, for benchmarks and diagnosis."""
        lines: list[str] = []
        dialect = self.engine.dialect
        with self.engine.connect() as conn:
            for step_key, low, high in self._windows(now):
                query = self._due_query(step_key, low, high)
                sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
                lines.append(f"step {step_key} (due {low}..{high}):")
                if dialect.name == "sqlite":
                    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
                    lines.extend(f"  {row[-1]}" for row in rows)
                else:
                    rows = conn.exec_driver_sql(f"EXPLAIN {sql}").all()
                    lines.extend(f"  {row[0]}" for row in rows)
        return lines

    # --- candidates ---------------------------------------------------------------------------

    def _windows(self, now: datetime) -> list[tuple[str, date, date]]:
        """Per distinct step, the due-date range that puts it in its window somewhere on Earth."""
        today = now.date()
        spans: dict[str, tuple[date, date]] = {}
        for policy in self.policies.list() or [self.policies.ensure_default()]:
            for step in policy.steps:
                low = today - timedelta(days=1 + step.offset_days + step.window_days - 1)
                high = today + timedelta(days=1 - step.offset_days)
                old = spans.get(step.key)
                spans[step.key] = (min(old[0], low), max(old[1], high)) if old else (low, high)
        return [(key, low, high) for key, (low, high) in spans.items()]

    def _due_query(self, step_key: str, low: date, high: date) -> Any:
        already = exists().where(
            and_(
                col(Reminder.connection_id) == Invoice.connection_id,
                col(Reminder.invoice_external_id) == Invoice.external_id,
                col(Reminder.step_key) == step_key,
            )
        )
        return select(Invoice).where(
            col(Invoice.connection_id) == self.connection_id,
            col(Invoice.status).in_(CANDIDATE_STATUSES),
            col(Invoice.due_date).between(low, high),
            ~already,
        )

    def _plan(self, now: datetime, exclude: set[tuple[str, str]]) -> PlanResult:
        self.policies.ensure_default()
        resolve = self.policies.resolver(self.connection_id)
        pairs = [
            (inv, key)
            for inv, key in self.find_due(now)
            if (inv.external_id, key) not in exclude and not inv.is_deleted
        ]
        result = PlanResult(invoices=len({inv.external_id for inv, _ in pairs}))
        if not pairs:
            return result
        context = _Context.load(self.engine, self.connection_id, [inv for inv, _ in pairs], now)
        channel_rows = self.channels.list()
        token = uuid.uuid4().hex
        for invoice, step_key in pairs:
            customer = context.customers.get(invoice.customer_external_id or "")
            policy = resolve(customer)
            step = policy.step(step_key)
            if step is None or invoice.due_date is None:
                continue
            contacts = context.contacts.get(invoice.customer_external_id or "", [])
            home = pick(["customer", "primary", "any"], customer, contacts, "email")
            tz = zone(_customer_tz(customer, home), policy.settings.timezone)
            today = local_date(now, tz)
            start = invoice.due_date + timedelta(days=step.offset_days)
            if not (start <= today < start + timedelta(days=step.window_days)):
                continue
            reason = why.invoice_reason(invoice, policy.settings.min_amount_due) or why.hold_reason(
                invoice, customer, context.holds, today
            )
            result.items.extend(
                self._rows(
                    invoice,
                    customer,
                    contacts,
                    policy,
                    step,
                    reason,
                    now,
                    token,
                    channel_rows,
                    context,
                )
            )
        return result

    def _rows(
        self,
        invoice: Invoice,
        customer: Customer | None,
        contacts: Sequence[Contact],
        policy: Policy,
        step: Step,
        reason: str | None,
        now: datetime,
        token: str,
        channel_rows: Sequence[Channel],
        context: _Context,
    ) -> Iterable[PlannedReminder]:
        for kind in step.channels:
            preferred = policy.settings.channel_names.get(kind)
            channel = next(
                (c for c in channel_rows if (c.name == preferred if preferred else c.kind == kind)),
                None,
            )
            recipients: list[Recipient] = []
            first = pick(step.recipients, customer, contacts, kind)
            if first is not None:
                recipients.append(first)
            for role in step.also:
                extra = pick([role], customer, contacts, kind)
                if extra is not None:
                    recipients.append(extra)
            if kind == "email":
                recipients.extend(Recipient("internal", a) for a in step.internal)
            unique: dict[str, Recipient] = {}
            for r in recipients:
                unique.setdefault(normalize(r.address), r)
            if not unique:
                unique[""] = Recipient("", "")
            for address, recipient in unique.items():
                row_reason = reason
                if row_reason is None and not address:
                    row_reason = why.NO_CONTACT
                if row_reason is None and channel is None:
                    row_reason = why.NO_CHANNEL
                if row_reason is None and address in context.opted_out(kind):
                    row_reason = why.OPTED_OUT
                status = (
                    "scheduled"
                    if row_reason is None
                    else "held"
                    if row_reason in why.HOLD_REASONS
                    else "suppressed"
                )
                tz = zone(recipient.timezone, policy.settings.timezone)
                group = invoice.customer_external_id if policy.settings.group_invoices else None
                key_parts = (
                    f"g:{token}:{group}" if group else f"r:{invoice.external_id}",
                    str(self.connection_id),
                    step.key,
                    kind,
                    address,
                )
                yield PlannedReminder(
                    invoice_external_id=invoice.external_id,
                    customer_external_id=invoice.customer_external_id,
                    policy_id=policy.id,
                    step_key=step.key,
                    channel=kind,
                    channel_name=channel.name if channel else None,
                    recipient=address,
                    recipient_role=recipient.role,
                    template=step.template,
                    message_key=_message_key(key_parts),
                    status=status,
                    reason=row_reason,
                    scheduled_for=next_send_time(now, tz, policy.settings),
                    amount_due=invoice.amount_due,
                    due_date=invoice.due_date,
                )

    # --- writing ------------------------------------------------------------------------------

    def _insert(self, items: Sequence[PlannedReminder]) -> int:
        if not items:
            return 0
        rows = [item.row(self.connection_id) for item in items]
        dialect = self.engine.dialect.name
        stmt: Any
        if dialect == "postgresql":
            stmt = postgresql.insert(Reminder).on_conflict_do_nothing()
        elif dialect == "sqlite":
            stmt = sqlite.insert(Reminder).on_conflict_do_nothing()
        else:  # pragma: no cover - other databases are not supported
            stmt = insert(Reminder)
        created = 0
        with self.engine.begin() as conn:
            for i in range(0, len(rows), 1000):
                outcome = conn.execute(stmt.returning(Reminder.id), rows[i : i + 1000])
                created += len(outcome.all())
        return created

    def release_held(self, now: datetime) -> int:
        """Re-check ``held`` rows: schedule those whose hold lifted while their step is still due,
        settle those whose step passed or whose invoice closed; returns how many were scheduled."""
        resolve = self.policies.resolver(self.connection_id)
        released = 0
        with Session(self.engine) as session:
            held = list(
                session.execute(
                    select(Reminder).where(
                        col(Reminder.connection_id) == self.connection_id,
                        col(Reminder.status) == "held",
                    )
                ).scalars()
            )
            if not held:
                return 0
            ids = {r.invoice_external_id for r in held}
            invoices = {
                i.external_id: i
                for i in _by_external_ids(session, Invoice, self.connection_id, ids)
            }
            context = _Context.load(self.engine, self.connection_id, list(invoices.values()), now)
            for row in held:
                invoice = invoices.get(row.invoice_external_id)
                customer = context.customers.get(row.customer_external_id or "")
                policy = resolve(customer)
                step = policy.step(row.step_key)
                tz = zone(None, policy.settings.timezone)
                today = local_date(now, tz)
                reason = why.invoice_reason(invoice, policy.settings.min_amount_due)
                if reason is None and invoice is not None:
                    reason = why.hold_reason(invoice, customer, context.holds, today)
                in_window = (
                    step is not None
                    and invoice is not None
                    and invoice.due_date is not None
                    and today
                    < invoice.due_date + timedelta(days=step.offset_days + step.window_days)
                )
                if reason is None and in_window:
                    row.status, row.reason = "scheduled", None
                    row.scheduled_for = next_send_time(now, tz, policy.settings)
                    row.amount_due = invoice.amount_due if invoice else row.amount_due
                    released += 1
                elif reason is not None and reason not in why.HOLD_REASONS:
                    row.status, row.reason = "suppressed", reason
                elif not in_window:
                    row.status = "suppressed"
                else:
                    row.reason = reason
                    continue
                row.updated_at = utcnow()
                session.add(row)
            session.commit()
        return released


@dataclass
class _Context:
    """Customers, contacts, holds and consent for a batch of invoices, loaded in a few queries."""

    engine: Engine
    customers: dict[str, Customer]
    contacts: dict[str, list[Contact]]
    holds: ActiveHolds
    _opted: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def load(
        cls, engine: Engine, connection_id: int, invoices: Sequence[Invoice], now: datetime
    ) -> _Context:
        customer_ids = {i.customer_external_id for i in invoices if i.customer_external_id}
        with Session(engine) as session:
            customers = {
                c.external_id: c
                for c in _by_external_ids(session, Customer, connection_id, customer_ids)
            }
            contacts: dict[str, list[Contact]] = {}
            keys = sorted(customer_ids)
            for i in range(0, len(keys), 500):
                rows = session.execute(
                    select(Contact).where(
                        col(Contact.connection_id) == connection_id,
                        col(Contact.customer_external_id).in_(keys[i : i + 500]),
                        col(Contact.is_deleted).is_(False),
                    )
                ).scalars()
                for contact in rows:
                    contacts.setdefault(contact.customer_external_id or "", []).append(contact)
            holds = load_active_holds(
                session, connection_id, customer_ids, [i.external_id for i in invoices]
            )
        context = cls(engine, customers, contacts, holds)
        addresses: dict[str, set[str]] = {"email": set(), "sms": set()}
        for customer in customers.values():
            addresses["email"].add(customer.email or "")
            addresses["sms"].add(customer.phone or "")
        for group in contacts.values():
            for contact in group:
                addresses["email"].add(contact.email or "")
                addresses["sms"].add(contact.phone or "")
        ledger = ConsentLedger(engine)
        context._opted = {k: ledger.opted_out(v, k) for k, v in addresses.items()}
        return context

    def opted_out(self, channel: str) -> set[str]:
        return self._opted.get(channel, set())


def _by_external_ids(
    session: Session, model: Any, connection_id: int, ids: Iterable[str]
) -> list[Any]:
    keys = sorted(set(ids))
    out: list[Any] = []
    for i in range(0, len(keys), 500):
        out.extend(
            session.execute(
                select(model).where(
                    model.connection_id == connection_id, model.external_id.in_(keys[i : i + 500])
                )
            ).scalars()
        )
    return out


def _customer_tz(customer: Customer | None, home: Recipient | None) -> str | None:
    if home is not None and home.timezone:
        return home.timezone
    return None


def _message_key(parts: Sequence[str]) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"rem-{digest}"


__all__ = ["CANDIDATE_STATUSES", "PlanResult", "PlannedReminder", "Planner"]
