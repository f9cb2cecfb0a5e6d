"""Reminder policies: ordered steps relative to the due date, and when messages may go out.

A policy is stored as JSON (``steps`` + ``settings``) and validated against :data:`POLICY_SCHEMA`.
Step ``i`` is due from ``due_date + offset_days`` until the day before the next step is due (the
last step for ``catch_up_days``), so a planner that did not run for a while sends the step that is
current, never a backlog of old ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.collections.models import PolicyAssignment, ReminderPolicy
from hub.errors import ConfigError
from hub.jsonschemas import load_schema, validate_config
from hub.models import Customer, utcnow

CHANNEL_KINDS = ("email", "sms")
#: Recipient roles, tried in the order a step lists them (the first with a usable address wins).
ROLES = ("billing", "primary", "customer", "any")
#: Custom field (on a customer) naming its segment for policy assignment.
SEGMENT_FIELD = "collections_segment"

POLICY_SCHEMA: dict[str, Any] = load_schema("policy")
"""The policy file format (``hub/schemas/policy.schema.json``); ``steps``/``settings`` are stored."""

DEFAULT_POLICY_NAME = "default"
DEFAULT_STEPS: list[dict[str, Any]] = [
    {"key": "upcoming", "offset_days": -3, "channels": ["email"], "template": "upcoming"},
    {"key": "overdue-1", "offset_days": 1, "channels": ["email"], "template": "overdue"},
    {"key": "overdue-7", "offset_days": 7, "channels": ["email", "sms"], "template": "overdue"},
    {
        "key": "overdue-14",
        "offset_days": 14,
        "channels": ["email", "sms"],
        "template": "overdue",
        "also": ["primary"],
    },
    {
        "key": "final-30",
        "offset_days": 30,
        "channels": ["email"],
        "template": "final",
        "also": ["primary"],
    },
]


@dataclass(frozen=True)
class Step:
    """One step of a policy (see :data:`POLICY_SCHEMA`)."""

    key: str
    offset_days: int
    channels: tuple[str, ...]
    template: str
    recipients: tuple[str, ...] = ("billing", "primary", "customer")
    also: tuple[str, ...] = ()
    internal: tuple[str, ...] = ()
    #: Days after ``offset_days`` the step stays due (until the next step, or ``catch_up_days``).
    window_days: int = 1


@dataclass(frozen=True)
class PolicySettings:
    """When and how a policy sends."""

    timezone: str = "UTC"
    send_from: time = time(9, 0)
    send_until: time = time(17, 0)
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    group_invoices: bool = False
    min_amount_due: Decimal | None = None
    locale: str = "en_US"
    catch_up_days: int = 7
    channel_names: Mapping[str, str] = field(default_factory=dict)
    company_name: str = ""


@dataclass(frozen=True)
class Policy:
    """A loaded, validated policy; ``steps`` are sorted by ``offset_days``."""

    id: int
    name: str
    steps: tuple[Step, ...]
    settings: PolicySettings

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)


def validate_policy(steps: Sequence[Mapping[str, Any]], settings: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigError` listing every problem of a policy definition."""
    validate_config(
        POLICY_SCHEMA, {"steps": list(steps), "settings": dict(settings)}, owner="policy"
    )
    keys = [s["key"] for s in steps]
    if len(set(keys)) != len(keys):
        raise ConfigError("policy steps need distinct keys", causes=[f"keys: {keys}"])
    offsets = [s["offset_days"] for s in steps]
    if len(set(offsets)) != len(offsets):
        raise ConfigError("two policy steps have the same offset_days", causes=[f"{offsets}"])
    tz = settings.get("timezone")
    if tz is not None:
        _zone(tz)
    if settings.get("send_from", "09:00") >= settings.get("send_until", "17:00"):
        raise ConfigError("settings.send_from must be earlier than settings.send_until")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Paris)"
        ) from None


def load_policy(row: ReminderPolicy) -> Policy:
    """Turn a stored policy into a :class:`Policy`."""
    raw = row.settings or {}
    settings = PolicySettings(
        timezone=raw.get("timezone", "UTC"),
        send_from=time.fromisoformat(raw.get("send_from", "09:00")),
        send_until=time.fromisoformat(raw.get("send_until", "17:00")),
        weekdays=tuple(raw.get("weekdays", (0, 1, 2, 3, 4))),
        group_invoices=bool(raw.get("group_invoices", False)),
        min_amount_due=Decimal(raw["min_amount_due"]) if raw.get("min_amount_due") else None,
        locale=raw.get("locale", "en_US"),
        catch_up_days=int(raw.get("catch_up_days", 7)),
        channel_names=dict(raw.get("channel_names", {})),
        company_name=raw.get("company_name", ""),
    )
    ordered = sorted(row.steps, key=lambda s: int(s["offset_days"]))
    steps = []
    for i, s in enumerate(ordered):
        following = ordered[i + 1]["offset_days"] if i + 1 < len(ordered) else None
        window = (following - s["offset_days"]) if following is not None else settings.catch_up_days
        steps.append(
            Step(
                key=s["key"],
                offset_days=int(s["offset_days"]),
                channels=tuple(s["channels"]),
                template=s.get("template", "overdue"),
                recipients=tuple(s.get("recipients") or ("billing", "primary", "customer")),
                also=tuple(s.get("also", ())),
                internal=tuple(s.get("internal", ())),
                window_days=int(window),
            )
        )
    assert row.id is not None
    return Policy(row.id, row.name, tuple(steps), settings)


class PolicyService:
    """Create, list and assign reminder policies."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def ensure_default(self) -> Policy:
        """The default policy, created from :data:`DEFAULT_STEPS` the first time."""
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.exec(select(ReminderPolicy).where(ReminderPolicy.is_default)).first()
            if row is None:
                row = ReminderPolicy(name=DEFAULT_POLICY_NAME, is_default=True, steps=DEFAULT_STEPS)
                session.add(row)
                session.commit()
            return load_policy(row)

    def save(
        self,
        name: str,
        steps: Sequence[Mapping[str, Any]],
        settings: Mapping[str, Any] | None = None,
        *,
        default: bool = False,
    ) -> Policy:
        """Create or replace the policy ``name``; ``default=True`` makes it the fallback policy."""
        settings = dict(settings or {})
        validate_policy(steps, settings)
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.exec(
                select(ReminderPolicy).where(col(ReminderPolicy.name) == name)
            ).first()
            if row is None:
                row = ReminderPolicy(name=name)
            if default:
                for other in session.exec(select(ReminderPolicy).where(ReminderPolicy.is_default)):
                    other.is_default = False
                    session.add(other)
                row.is_default = True
            row.steps = [dict(s) for s in steps]
            row.settings = settings
            row.updated_at = utcnow()
            session.add(row)
            session.commit()
            return load_policy(row)

    def document(self, name: str) -> dict[str, Any]:
        """The policy ``name`` as a policy file (``policy.schema.json``), ready to edit and save."""
        with Session(self.engine) as session:
            row = session.exec(
                select(ReminderPolicy).where(col(ReminderPolicy.name) == name)
            ).first()
            if row is None and name == DEFAULT_POLICY_NAME:
                self.ensure_default()
                return self.document(name)
            if row is None:
                known = sorted(session.exec(select(ReminderPolicy.name)))
                raise ConfigError(
                    f"no reminder policy called {name!r}", causes=[f"known policies: {known}"]
                )
            return {
                "name": row.name,
                "default": row.is_default,
                "steps": [dict(s) for s in row.steps],
                "settings": dict(row.settings),
            }

    def assignments(self) -> list[tuple[str, int, str | None, str | None]]:
        """Every assignment as ``(policy name, connection id, customer, segment)``."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(
                    ReminderPolicy.name,
                    PolicyAssignment.connection_id,
                    PolicyAssignment.customer_external_id,
                    PolicyAssignment.segment,
                )
                .join(ReminderPolicy, col(ReminderPolicy.id) == col(PolicyAssignment.policy_id))
                .order_by(col(ReminderPolicy.name), col(PolicyAssignment.id))
            )
            return [(n, c, cust, seg) for n, c, cust, seg in rows]

    def list(self) -> list[Policy]:
        with Session(self.engine) as session:
            rows = session.exec(select(ReminderPolicy).order_by(ReminderPolicy.name))
            return [load_policy(r) for r in rows]

    def assign(
        self,
        policy_name: str,
        connection_id: int,
        *,
        customer_external_id: str | None = None,
        segment: str | None = None,
    ) -> None:
        """Assign a policy to one customer or to a segment (exactly one of the two)."""
        if (customer_external_id is None) == (segment is None):
            raise ConfigError("assign a policy to either a customer or a segment")
        with Session(self.engine) as session:
            policy = session.exec(
                select(ReminderPolicy).where(col(ReminderPolicy.name) == policy_name)
            ).first()
            if policy is None:
                raise ConfigError(f"no reminder policy called {policy_name!r}")
            existing = session.exec(
                select(PolicyAssignment).where(
                    col(PolicyAssignment.connection_id) == connection_id,
                    col(PolicyAssignment.customer_external_id) == customer_external_id,
                    col(PolicyAssignment.segment) == segment,
                )
            ).first()
            row = existing or PolicyAssignment(
                policy_id=0,
                connection_id=connection_id,
                customer_external_id=customer_external_id,
                segment=segment,
            )
            assert policy.id is not None
            row.policy_id = policy.id
            session.add(row)
            session.commit()

    def resolver(self, connection_id: int) -> Callable[[Customer | None], Policy]:
        """A function giving each customer its policy: own assignment, else segment, else default."""
        default = self.ensure_default()
        with Session(self.engine) as session:
            policies = {p.id: load_policy(p) for p in session.exec(select(ReminderPolicy))}
            rows = list(
                session.exec(
                    select(PolicyAssignment).where(
                        col(PolicyAssignment.connection_id) == connection_id
                    )
                )
            )
        by_customer = {
            r.customer_external_id: policies[r.policy_id] for r in rows if r.segment is None
        }
        by_segment = {r.segment: policies[r.policy_id] for r in rows if r.segment is not None}

        def resolve(customer: Customer | None) -> Policy:
            if customer is None:
                return default
            own = by_customer.get(customer.external_id)
            if own is not None:
                return own
            segment = (customer.custom_fields or {}).get(SEGMENT_FIELD)
            return by_segment.get(str(segment), default) if segment is not None else default

        return resolve


__all__ = [
    "CHANNEL_KINDS",
    "DEFAULT_POLICY_NAME",
    "DEFAULT_STEPS",
    "POLICY_SCHEMA",
    "ROLES",
    "SEGMENT_FIELD",
    "Policy",
    "PolicyService",
    "PolicySettings",
    "Step",
    "load_policy",
    "validate_policy",
]
