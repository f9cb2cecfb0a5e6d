"""Fixtures for the collections engine tests: a connection with customers, contacts and invoices,
real SMTP (aiosmtpd) and SMS (Twilio-compatible fake) servers on loopback, Redis DB 12."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from hub.collections.channels import ChannelService
from hub.crypto import SecretBox
from hub.models import Connection, Contact, Customer, Invoice, utcnow
from hub.plugins import PluginHost

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/12"


def _load(name: str, path: Path) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def smtp() -> ModuleType:
    return _load(
        "hub_email_reminders_test_support", ROOT / "plugins/email_reminders/tests/smtp_support.py"
    )


@pytest.fixture(scope="session")
def twilio() -> ModuleType:
    return _load(
        "hub_sms_reminders_test_support", ROOT / "plugins/sms_reminders/tests/twilio_fake.py"
    )


@pytest.fixture
def smtp_server(smtp: ModuleType) -> Iterator[Any]:
    server = smtp.start_server(smtp.ScriptedHandler())
    yield server
    server.stop()


@pytest.fixture
def sms_provider(twilio: ModuleType) -> Iterator[Any]:
    fake = twilio.FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def redis_db() -> Iterator[Any]:
    from redis import Redis

    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    yield redis
    redis.flushdb()
    redis.close()


@pytest.fixture
def box() -> SecretBox:
    return SecretBox("test-secret-key-for-collections-0123456789")


@pytest.fixture
def channels(engine: Engine, plugin_host: PluginHost, box: SecretBox) -> ChannelService:
    return ChannelService(engine, plugin_host, box)


@pytest.fixture
def connection_id(engine: Engine) -> int:
    with Session(engine) as session:
        conn = Connection(name="erp", plugin="netsuite")
        session.add(conn)
        session.commit()
        assert conn.id is not None
        return conn.id


def add_customer(
    engine: Engine,
    cid: int,
    ext: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    custom: dict[str, Any] | None = None,
    tz: str | None = None,
    name: str = "",
) -> None:
    data: dict[str, Any] = {"timezone": tz} if tz else {}
    with Session(engine) as session:
        session.add(
            Customer(
                connection_id=cid,
                external_id=ext,
                name=name or f"Customer {ext}",
                email=email,
                phone=phone,
                custom_fields=custom or {},
                data=data,
                content_hash="x",
                currency="USD",
            )
        )
        session.commit()


def add_contact(
    engine: Engine,
    cid: int,
    ext: str,
    customer: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    title: str | None = None,
    primary: bool = False,
) -> None:
    with Session(engine) as session:
        session.add(
            Contact(
                connection_id=cid,
                external_id=ext,
                customer_external_id=customer,
                email=email,
                phone=phone,
                title=title,
                is_primary=primary,
                content_hash="x",
            )
        )
        session.commit()


def add_invoice(
    engine: Engine,
    cid: int,
    ext: str,
    customer: str,
    due: date,
    *,
    amount: str = "100.00",
    due_amount: str | None = None,
    status: str = "open",
    custom: dict[str, Any] | None = None,
) -> None:
    with Session(engine) as session:
        session.add(
            Invoice(
                connection_id=cid,
                external_id=ext,
                number=f"INV-{ext}",
                customer_external_id=customer,
                due_date=due,
                currency="USD",
                total=Decimal(amount),
                amount_due=Decimal(due_amount if due_amount is not None else amount),
                status=status,
                custom_fields=custom or {},
                content_hash="x",
                synced_at=utcnow(),
            )
        )
        session.commit()
