"""The consent ledger: who opted out of (or back into) which channel, when and how.

Append-only: an opt-out is never deleted, an opt-in is a newer entry. For an address and a channel
the newest entry among that channel and ``all`` decides.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select

from hub.collections.models import ConsentEvent, Reminder
from hub.collections.timeline import record_event
from hub.models import utcnow

CHANNELS = ("email", "sms", "all")
#: Carrier-standard keywords (case-insensitive, whole message).
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP", "YES", "OPTIN"})


def normalize(address: str) -> str:
    """The ledger's form of an address: lower-cased email, or a phone number's ``+digits``."""
    address = address.strip()
    if "@" in address:
        return address.lower()
    digits = re.sub(r"[^\d+]", "", address)
    return digits if digits.startswith("+") else digits


_TOKEN_PURPOSE = b"hub-unsubscribe-v1:"


def _secret(secret_key: str | None) -> bytes:
    if secret_key is None:
        from hub.settings import Settings

        secret_key = Settings.from_env().secret_key
    if not secret_key:
        from hub.errors import ConfigError

        raise ConfigError(
            "unsubscribe links need HUB_SECRET_KEY",
            causes=["HUB_SECRET_KEY is not set in the environment of the worker or web app"],
        )
    return secret_key.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def unsubscribe_token(address: str, channel: str, *, secret_key: str | None = None) -> str:
    """A URL-safe token naming (``address``, ``channel``), signed with HMAC-SHA256 under
    ``HUB_SECRET_KEY``; the web app's ``/unsubscribe/<token>`` verifies it. It does not expire:
    an unsubscribe link must keep working for as long as the email is in someone's inbox."""
    payload = json.dumps([normalize(address), channel], separators=(",", ":")).encode()
    mac = hmac.new(_secret(secret_key), _TOKEN_PURPOSE + payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(mac)}"


def verify_unsubscribe_token(
    token: str, *, secret_key: str | None = None
) -> tuple[str, str] | None:
    """``(address, channel)`` of a token made by :func:`unsubscribe_token`, or ``None`` when it
    is malformed or its signature does not match."""
    body, _, signature = token.partition(".")
    try:
        payload, mac = _unb64(body), _unb64(signature)
    except (binascii.Error, ValueError):
        return None
    expected = hmac.new(_secret(secret_key), _TOKEN_PURPOSE + payload, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        address, channel = json.loads(payload)
    except (ValueError, TypeError):
        return None
    if not isinstance(address, str) or channel not in CHANNELS:
        return None
    return address, channel


def record_unsubscribe(engine: Engine, token: str) -> tuple[str, str] | None:
    """Record the opt-out a valid unsubscribe token asks for (actor ``recipient``, method
    ``unsubscribe_link``); returns ``(address, channel)``, or ``None`` for an invalid token."""
    found = verify_unsubscribe_token(token)
    if found is None:
        return None
    address, channel = found
    ConsentLedger(engine).record(
        address, channel, "opt_out", actor="recipient", method="unsubscribe_link"
    )
    return found


@dataclass(frozen=True)
class ConsentState:
    address: str
    channel: str
    opted_out: bool
    since: ConsentEvent | None


class ConsentLedger:
    """Record and query consent for addresses on channels."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self,
        address: str,
        channel: str,
        action: str,
        *,
        actor: str,
        method: str,
        detail: str = "",
        contact_external_id: str | None = None,
    ) -> ConsentEvent:
        """Append an ``opt_out`` or ``opt_in`` for ``address`` on ``channel`` (``all`` for every
        channel). An opt-out also cancels the address's reminders not yet sent on that channel."""
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
        if action not in ("opt_out", "opt_in"):
            raise ValueError("action must be opt_out or opt_in")
        event = ConsentEvent(
            address=normalize(address),
            channel=channel,
            action=action,
            actor=actor,
            method=method,
            detail=detail,
            contact_external_id=contact_external_id,
        )
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(event)
            if action == "opt_out":
                self._cancel_pending(session, event)
            session.commit()
        return event

    @staticmethod
    def _cancel_pending(session: Session, event: ConsentEvent) -> None:
        query = select(Reminder).where(
            col(Reminder.recipient) == event.address,
            col(Reminder.status).in_(("scheduled", "held", "queued")),
        )
        if event.channel != "all":
            query = query.where(col(Reminder.channel) == event.channel)
        for row in session.exec(query):
            row.status, row.reason, row.updated_at = "cancelled", "opted_out", utcnow()
            session.add(row)
            record_event(
                session,
                row.connection_id,
                row.customer_external_id,
                "reminder_cancelled",
                f"{row.channel} reminder to {row.recipient} cancelled: opted out",
                invoice_external_id=row.invoice_external_id,
                actor=event.actor,
            )

    def state(self, address: str, channel: str) -> ConsentState:
        address = normalize(address)
        with Session(self.engine) as session:
            latest = session.exec(
                select(ConsentEvent)
                .where(
                    col(ConsentEvent.address) == address,
                    or_(col(ConsentEvent.channel) == channel, col(ConsentEvent.channel) == "all"),
                )
                .order_by(col(ConsentEvent.id).desc())
            ).first()
        return ConsentState(
            address, channel, latest is not None and latest.action == "opt_out", latest
        )

    def opted_out(self, addresses: Iterable[str], channel: str) -> set[str]:
        """The subset of ``addresses`` (normalised) that are opted out of ``channel`` now."""
        wanted = {normalize(a) for a in addresses if a}
        if not wanted:
            return set()
        latest: dict[str, tuple[int, str]] = {}
        with Session(self.engine) as session:
            chunk = sorted(wanted)
            for i in range(0, len(chunk), 500):
                rows = session.exec(
                    select(ConsentEvent.id, ConsentEvent.address, ConsentEvent.action).where(
                        col(ConsentEvent.address).in_(chunk[i : i + 500]),
                        or_(
                            col(ConsentEvent.channel) == channel, col(ConsentEvent.channel) == "all"
                        ),
                    )
                )
                for event_id, address, action in rows:
                    assert event_id is not None
                    if address not in latest or latest[address][0] < event_id:
                        latest[address] = (event_id, action)
        return {a for a, (_, action) in latest.items() if action == "opt_out"}

    def history(self, address: str | None = None) -> list[ConsentEvent]:
        """The ledger (for an address, or all of it), oldest first: the audit trail."""
        with Session(self.engine) as session:
            query = select(ConsentEvent).order_by(col(ConsentEvent.id))
            if address is not None:
                query = query.where(col(ConsentEvent.address) == normalize(address))
            return list(session.exec(query))


def handle_inbound_sms(
    engine: Engine, from_number: str, body: str, *, provider: str = "twilio"
) -> str | None:
    """Apply an inbound SMS to the ledger: STOP-like keywords opt the number out of SMS, START-like
    keywords opt it back in. Returns ``"opt_out"``, ``"opt_in"`` or ``None`` (not a keyword).

    The web layer calls this from the signed provider webhook after checking the signature.
    """
    word = body.strip().upper().rstrip(".!")
    if word in STOP_WORDS:
        action = "opt_out"
    elif word in START_WORDS:
        action = "opt_in"
    else:
        return None
    ConsentLedger(engine).record(
        from_number,
        "sms",
        action,
        actor="recipient",
        method="inbound_sms",
        detail=f"{provider}: {word}",
    )
    return action


__all__ = [
    "CHANNELS",
    "ConsentLedger",
    "ConsentState",
    "handle_inbound_sms",
    "normalize",
    "record_unsubscribe",
    "unsubscribe_token",
    "verify_unsubscribe_token",
]
