"""The sender: claims one message, re-checks every invoice in it, renders and delivers it.

Exactly-once per (invoice, step, channel, recipient) rests on three things: the outbox row is
unique; a message is *claimed* (``sending`` with a lease) before the notifier is called, so a second
worker cannot send it concurrently; the notifier receives the message's stable ``message_key`` as
idempotency key (email ``Message-ID``, SMS idempotency header), so the re-send after a crash between
"accepted" and "recorded" carries the same identity.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from hub.collections import suppression as why
from hub.collections.channels import ChannelService
from hub.collections.consent import ConsentLedger, normalize, unsubscribe_token
from hub.collections.models import Reminder
from hub.collections.policies import Policy, PolicyService
from hub.collections.rendering import InvoiceLine, Renderer
from hub.collections.sessions import NotifierSessions
from hub.collections.settings import CollectionsSettings
from hub.collections.timeline import record_event
from hub.errors import ConfigError, RecipientOptedOut, RecipientRejected, TransientError
from hub.models import Customer, Invoice, utcnow
from hub.notifiers import DeliveryResult, Notifier, OutgoingMessage
from hub.redaction import redact

log = logging.getLogger(__name__)

#: How long a sender reuses the policies it loaded (seconds).
POLICY_CACHE_SECONDS = 10.0

#: ``refresh(engine, connection_id, object_type, external_id)`` re-reads a record from the ERP.
Refresh = Callable[[Engine, int, str, str], Any]


def default_refresh(engine: Engine, connection_id: int, object_type: str, external_id: str) -> Any:
    """The sync engine's targeted refresh (``hub.sync.refresh_record``)."""
    from hub.sync import refresh_record

    return refresh_record(engine, connection_id, object_type, external_id)


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | suppressed | skipped | failed | retry | channel_error
    detail: str = ""


class Sender:
    """Delivers outbox messages. Reuse one instance for a batch: notifiers are kept open.

    :param sessions: where to borrow notifiers from instead of building (and closing) its own:
        a worker process's :class:`~hub.collections.sessions.NotifierSessions`, kept open from
        one job to the next. :meth:`close` gives them back.
    """

    def __init__(
        self,
        engine: Engine,
        channels: ChannelService,
        settings: CollectionsSettings | None = None,
        *,
        refresh: Refresh | None = default_refresh,
        instance_path: Path | None = None,
        dry_run: bool = False,
        sessions: NotifierSessions | None = None,
    ) -> None:
        self.engine = engine
        self.channels = channels
        self.settings = settings or CollectionsSettings.from_env()
        self.refresh = refresh
        self.renderer = Renderer(instance_path)
        self.dry_run = dry_run
        self.sessions = sessions
        self.rendered: list[OutgoingMessage] = []
        self._notifiers: dict[str, Notifier] = {}
        self._resolvers: dict[int, tuple[float, Callable[[Customer | None], Policy]]] = {}

    def close(self) -> None:
        """Close the notifiers this sender opened (give borrowed ones back)."""
        for channel_name in list(self._notifiers):
            self._release(channel_name)

    def _notifier(self, channel_name: str) -> Notifier:
        if channel_name not in self._notifiers:
            if self.sessions is not None:
                notifier = self.sessions.borrow(self.channels, channel_name)
            else:
                notifier = self.channels.notifier_for(self.channels.get(channel_name))
                opener = getattr(notifier, "open", None)
                if callable(opener):
                    opener()
            self._notifiers[channel_name] = notifier
        return self._notifiers[channel_name]

    def _release(self, channel_name: str, *, broken: bool = False) -> None:
        """Stop using the notifier of ``channel_name``: give it back to the sessions it was
        borrowed from (``broken``: to be closed, not reused), or close it."""
        notifier = self._notifiers.pop(channel_name, None)
        if notifier is None:
            return
        if self.sessions is not None:
            self.sessions.give_back(notifier, broken=broken)
            return
        closer = getattr(notifier, "close", None)
        if callable(closer):
            closer()

    def _resolver(self, connection_id: int) -> Callable[[Customer | None], Policy]:
        """The policy resolver of a connection, reloaded when older than a few seconds (a batch
        of messages shares it; a policy edit is seen by the next batch)."""
        loaded = self._resolvers.get(connection_id)
        if loaded is None or time.monotonic() - loaded[0] > POLICY_CACHE_SECONDS:
            resolver = PolicyService(self.engine).resolver(connection_id)
            loaded = (time.monotonic(), resolver)
            self._resolvers[connection_id] = loaded
        return loaded[1]

    # --- messages -----------------------------------------------------------------------------

    def deliver(self, reminder_id: int, now: datetime | None = None) -> Outcome:
        """Send the message reminder ``reminder_id`` belongs to, if it is still due and owed.

        A transient channel failure returns ``retry``: the rows go back to ``scheduled`` after a
        back-off and the next dispatch pass sends them again, with the same idempotency key.
        """
        return self.deliver_many([reminder_id], now)[0]

    def deliver_many(
        self, reminder_ids: Sequence[int], now: datetime | None = None
    ) -> list[Outcome]:
        """:meth:`deliver` for several messages at once, one outcome per id (same order).

        The messages are claimed in one statement and re-checked with a few set-based queries;
        each is then sent (over the notifier's reused connection) and recorded on its own, so a
        crash loses or repeats at most the message in flight. Messages not reached within half a
        lease (a slow channel) are handed back to ``queued`` unsent.
        """
        now = now or utcnow()
        with Session(self.engine) as session:
            leads = dict(
                session.execute(
                    select(col(Reminder.id), col(Reminder.message_key)).where(
                        col(Reminder.id).in_(list(reminder_ids))
                    )
                ).all()
            )
        keys = list(dict.fromkeys(leads[i] for i in reminder_ids if i in leads))
        lease: datetime | None = None
        if self.dry_run:
            rows = self._rows(keys, ("scheduled", "queued"))
        else:
            lease = self._claim(keys, now)
            rows = self._rows(keys, ("sending",), lease)
        by_key: dict[str, list[Reminder]] = {}
        for row in rows:
            by_key.setdefault(row.message_key, []).append(row)
        checks = self._recheck(rows, now) if rows else {}
        outcomes: dict[str, Outcome] = {}
        started = time.monotonic()
        pending = [k for k in keys if k in by_key]
        try:
            while pending:
                key = pending[0]
                if (
                    lease is not None
                    and time.monotonic() - started > self.settings.lease_seconds / 2
                ):
                    break
                outcomes[key] = self._deliver_one(by_key[key], checks, lease, now)
                pending.pop(0)
        finally:
            if lease is not None:
                for key in pending:  # not reached (slow channel or an error): hand them back
                    self._finish(by_key[key], lease, status="queued", refund_attempt=True)
        results: list[Outcome] = []
        for reminder_id in reminder_ids:
            key = leads.get(reminder_id)
            if key is None:
                results.append(Outcome("skipped", "no such reminder"))
            elif key in outcomes:
                results.append(outcomes[key])
            elif key in by_key:
                results.append(Outcome("retry", "not reached in this batch"))
            elif self.dry_run:
                results.append(Outcome("skipped", "nothing to send"))
            else:
                results.append(Outcome("skipped", "already sent, cancelled or being sent"))
        return results

    def _deliver_one(
        self,
        rows: list[Reminder],
        checks: dict[int, tuple[Invoice | None, Customer | None, str | None]],
        lease: datetime | None,
        now: datetime,
    ) -> Outcome:
        keep: list[tuple[Reminder, Invoice]] = []
        suppressed: list[tuple[Reminder, str]] = []
        for row in rows:
            invoice, _customer, reason = checks[row.id or 0]
            if reason is None and invoice is not None:
                keep.append((row, invoice))
            else:
                suppressed.append((row, reason or why.DELETED))
        if suppressed and lease is not None:
            for row, reason in suppressed:
                self._finish([row], lease, status="suppressed", reason=reason)
        if not keep:
            return Outcome("suppressed", ", ".join(sorted({r for _, r in suppressed})))
        message = self._render(keep, now, customer=checks[keep[0][0].id or 0][1])
        if self.dry_run:
            self.rendered.append(message)
            return Outcome("sent", "dry run")
        assert lease is not None
        return self._send(keep, message, lease, now)

    def _claim(self, keys: list[str], now: datetime) -> datetime:
        lease = now + timedelta(seconds=self.settings.lease_seconds)
        with self.engine.begin() as conn:
            for i in range(0, len(keys), 500):
                conn.execute(
                    update(Reminder)
                    .where(
                        col(Reminder.message_key).in_(keys[i : i + 500]),
                        (col(Reminder.status) == "queued")
                        | (
                            (col(Reminder.status) == "scheduled")
                            & (col(Reminder.scheduled_for) <= now)
                        )
                        | ((col(Reminder.status) == "sending") & (col(Reminder.lease_until) < now)),
                        col(Reminder.attempts) < self.settings.max_attempts,
                    )
                    .values(
                        status="sending",
                        lease_until=lease,
                        attempts=Reminder.attempts + 1,
                        updated_at=now,
                    )
                )
        return lease

    def _rows(
        self, keys: list[str], statuses: tuple[str, ...], lease: datetime | None = None
    ) -> list[Reminder]:
        out: list[Reminder] = []
        with Session(self.engine, expire_on_commit=False) as session:
            for i in range(0, len(keys), 500):
                query = select(Reminder).where(
                    col(Reminder.message_key).in_(keys[i : i + 500]),
                    col(Reminder.status).in_(statuses),
                )
                if lease is not None:
                    query = query.where(col(Reminder.lease_until) == lease)
                out.extend(session.execute(query.order_by(col(Reminder.id))).scalars())
        return out

    # --- freshness and suppression ------------------------------------------------------------

    def _invoice(self, session: Session, row: Reminder) -> Invoice | None:
        return session.execute(
            select(Invoice).where(
                col(Invoice.connection_id) == row.connection_id,
                col(Invoice.external_id) == row.invoice_external_id,
            )
        ).scalar_one_or_none()

    def _recheck(
        self, rows: list[Reminder], now: datetime
    ) -> dict[int, tuple[Invoice | None, Customer | None, str | None]]:
        """Per row id: its invoice (refreshed from the ERP when not fresh), its customer and the
        reason it must not be sent now (``None``: send it)."""
        from hub.collections.actions import load_active_holds

        fresh_after = now - timedelta(seconds=self.settings.freshness_seconds)
        stale_after = now - timedelta(seconds=self.settings.stale_after_seconds)
        out: dict[int, tuple[Invoice | None, Customer | None, str | None]] = {}
        groups: dict[int, list[Reminder]] = {}
        for row in rows:
            groups.setdefault(row.connection_id, []).append(row)
        for cid, group in groups.items():
            resolver = self._resolver(cid)
            with Session(self.engine) as session:
                invoices = _by_external_id(
                    session, Invoice, cid, {r.invoice_external_id for r in group}
                )
                customers = _by_external_id(
                    session, Customer, cid, {r.customer_external_id or "" for r in group}
                )
            stale: set[str] = set()
            for external_id, invoice in list(invoices.items()):
                if invoice.synced_at >= fresh_after or self.refresh is None:
                    continue
                try:
                    self.refresh(self.engine, cid, "invoice", external_id)
                except Exception as exc:  # noqa: BLE001 - any refresh failure means "not verified"
                    log.warning("refresh of invoice %s failed: %s", external_id, redact(str(exc)))
                    if invoice.synced_at < stale_after:
                        stale.add(external_id)
                    continue
                with Session(self.engine) as session:
                    refreshed = _by_external_id(session, Invoice, cid, {external_id})
                if external_id in refreshed:
                    invoices[external_id] = refreshed[external_id]
                else:
                    del invoices[external_id]
            with Session(self.engine) as session:
                holds = load_active_holds(
                    session,
                    cid,
                    [r.customer_external_id or "" for r in group],
                    [r.invoice_external_id for r in group],
                )
            opted: dict[str, set[str]] = {}
            for channel in {r.channel for r in group}:
                opted[channel] = ConsentLedger(self.engine).opted_out(
                    [r.recipient for r in group if r.channel == channel and r.recipient], channel
                )
            for row in group:
                invoice = invoices.get(row.invoice_external_id)
                customer = customers.get(row.customer_external_id or "")
                reason: str | None
                if row.invoice_external_id in stale:
                    reason = why.STALE
                else:
                    policy = resolver(customer)
                    reason = why.invoice_reason(invoice, policy.settings.min_amount_due)
                    if reason is None and invoice is not None:
                        reason = why.hold_reason(invoice, customer, holds, now.date())
                    if (
                        reason is None
                        and row.recipient
                        and normalize(row.recipient) in opted[row.channel]
                    ):
                        reason = why.OPTED_OUT
                out[row.id or 0] = (invoice, customer, reason)
        return out

    # --- rendering and delivery ---------------------------------------------------------------

    def _render(
        self,
        keep: list[tuple[Reminder, Invoice]],
        now: datetime,
        *,
        customer: Customer | None = None,
    ) -> OutgoingMessage:
        first, _ = keep[0]
        if customer is None:
            with Session(self.engine) as session:
                customer = session.execute(
                    select(Customer).where(
                        col(Customer.connection_id) == first.connection_id,
                        col(Customer.external_id) == (first.customer_external_id or ""),
                    )
                ).scalar_one_or_none()
        policy = self._resolver(first.connection_id)(customer)
        lines = [
            InvoiceLine(
                inv.number or inv.external_id,
                inv.due_date,
                inv.amount_due or inv.total or Decimal(0),
                inv.currency or (customer.currency if customer else None) or "USD",
            )
            for _, inv in keep
        ]
        locale = (
            str((customer.data or {}).get("locale") or policy.settings.locale)
            if customer
            else policy.settings.locale
        )
        kwargs: dict[str, Any] = {
            "template": first.template or "overdue",
            "customer_name": customer.name if customer else "",
            "invoices": lines,
            "today": now.date(),
            "locale": locale,
            "company_name": policy.settings.company_name,
        }
        rendered = (
            self.renderer.email(**kwargs)
            if first.channel == "email"
            else self.renderer.sms(**kwargs)
        )
        to = first.recipient
        text = rendered.text
        safe = self.settings.safe_mode_address(first.channel)
        if safe:
            text = f"[safe mode: for {to}]\n{text}"
            to = safe
        headers: dict[str, str] = {}
        if first.channel == "email":
            headers["X-Hub-Reminder"] = first.message_key
            if self.settings.public_url and to:
                token = unsubscribe_token(to, "email")
                headers["List-Unsubscribe"] = f"<{self.settings.public_url}/unsubscribe/{token}>"
        return OutgoingMessage(
            to=to,
            subject=rendered.subject,
            text=text,
            html=rendered.html,
            idempotency_key=first.message_key,
            headers=headers,
        )

    def _send(
        self,
        keep: list[tuple[Reminder, Invoice]],
        message: OutgoingMessage,
        lease: datetime,
        now: datetime,
    ) -> Outcome:
        rows = [r for r, _ in keep]
        first = rows[0]
        if not first.channel_name:
            self._finish(rows, lease, status="suppressed", reason=why.NO_CHANNEL)
            return Outcome("suppressed", why.NO_CHANNEL)
        try:
            notifier = self._notifier(first.channel_name)
            result = notifier.send(message)
        except TransientError as exc:
            # A dropped or refusing connection: the next message gets a new one.
            self._release(first.channel_name, broken=True)
            return self._retry_later(rows, lease, now, redact(str(exc)))
        except RecipientOptedOut as exc:
            ConsentLedger(self.engine).record(
                first.recipient,
                first.channel,
                "opt_out",
                actor="provider",
                method="provider_error",
                detail=redact(str(exc)),
            )
            self._finish(rows, lease, status="suppressed", reason=why.OPTED_OUT)
            return Outcome("suppressed", why.OPTED_OUT)
        except RecipientRejected as exc:
            self._finish(
                rows, lease, status="failed", reason="recipient_rejected", error=redact(str(exc))
            )
            return Outcome("failed", redact(str(exc)))
        except ConfigError as exc:  # the channel is misconfigured: not the message's fault
            self._release(first.channel_name, broken=True)
            self._finish(
                rows, lease, status="scheduled", error=redact(str(exc)), refund_attempt=True
            )
            return Outcome("channel_error", redact(str(exc)))
        except Exception as exc:
            self._release(first.channel_name, broken=True)
            self._retry_later(rows, lease, now, redact(str(exc)))
            raise
        recorded = self._finish(
            rows, lease, status="sent", provider_id=result.provider_id, keep=keep
        )
        self._announce_sent(recorded, first.channel_name, result)
        return Outcome("sent", result.provider_id)

    def _announce_sent(
        self, rows: list[Reminder], channel_name: str, result: DeliveryResult
    ) -> None:
        """Fire ``reminder_sent`` for each row that this attempt recorded as sent."""
        for row in rows:
            self.channels.host.reminder_sent(_snapshot(row), channel_name, result)

    def _retry_later(
        self, rows: list[Reminder], lease: datetime, now: datetime, error: str
    ) -> Outcome:
        """A failed attempt: back to ``scheduled`` after a back-off (the outbox, not the queue,
        owns retries), or ``failed`` once ``max_attempts`` are used up."""
        attempts = max(r.attempts for r in rows)
        if attempts >= self.settings.max_attempts:
            self._finish(rows, lease, status="failed", reason=why.RETRIES_EXHAUSTED, error=error)
            return Outcome("failed", error)
        when = now + self.settings.retry_delay(attempts)
        self._finish(rows, lease, status="scheduled", error=error, scheduled_for=when)
        return Outcome("retry", error)

    def _finish(
        self,
        rows: list[Reminder],
        lease: datetime,
        *,
        status: str,
        reason: str | None = None,
        error: str | None = None,
        provider_id: str | None = None,
        keep: list[tuple[Reminder, Invoice]] | None = None,
        scheduled_for: datetime | None = None,
        refund_attempt: bool = False,
    ) -> list[Reminder]:
        """Record the attempt's result on the rows still leased by it; returns those rows
        (updated in memory too)."""
        now = utcnow()
        recorded: list[Reminder] = []
        amounts = {r.id: inv.amount_due for r, inv in keep or []}
        with Session(self.engine) as session:
            for row in rows:
                values: dict[str, Any] = {"status": status, "updated_at": now, "lease_until": None}
                if reason is not None:
                    values["reason"] = reason
                if error is not None:
                    values["error"] = error
                if scheduled_for is not None:
                    values["scheduled_for"] = scheduled_for
                if refund_attempt:
                    values["attempts"] = Reminder.attempts - 1
                if status == "sent":
                    values.update(
                        provider_id=provider_id, sent_at=now, amount_due=amounts.get(row.id)
                    )
                outcome = session.connection().execute(
                    update(Reminder)
                    .where(
                        col(Reminder.id) == row.id,
                        col(Reminder.status) == "sending",
                        col(Reminder.lease_until) == lease,
                    )
                    .values(**values)
                )
                if outcome.rowcount:
                    recorded.append(row)
                    if status == "sent":
                        row.status, row.sent_at = status, now
                        row.provider_id, row.amount_due = provider_id, amounts.get(row.id)
                if status in ("sent", "suppressed", "failed"):
                    what = {
                        "sent": "sent",
                        "suppressed": f"suppressed ({reason})",
                        "failed": "failed",
                    }[status]
                    record_event(
                        session,
                        row.connection_id,
                        row.customer_external_id,
                        f"reminder_{status}",
                        f"{row.step_key} {row.channel} reminder to {row.recipient or 'nobody'} {what}",
                        invoice_external_id=row.invoice_external_id,
                        actor="system",
                        data={"reminder_id": row.id, "message_key": row.message_key},
                    )
            session.commit()
        return recorded


def _by_external_id(
    session: Session, model: Any, connection_id: int, ids: set[str]
) -> dict[str, Any]:
    keys = sorted(ids)
    out: dict[str, Any] = {}
    for i in range(0, len(keys), 500):
        rows = session.execute(
            select(model).where(
                model.connection_id == connection_id, model.external_id.in_(keys[i : i + 500])
            )
        ).scalars()
        out.update((r.external_id, r) for r in rows)
    return out


def _snapshot(row: Reminder) -> dict[str, Any]:
    """The plain-data view of an outbox row handed to ``reminder_sent`` implementations."""
    fields = (
        "id",
        "connection_id",
        "invoice_external_id",
        "customer_external_id",
        "step_key",
        "channel",
        "recipient",
        "message_key",
        "amount_due",
        "sent_at",
    )
    return {name: getattr(row, name) for name in fields}


__all__ = ["Outcome", "Refresh", "Sender", "default_refresh"]
