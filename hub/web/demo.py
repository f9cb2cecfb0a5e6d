"""The pieces of ``hubctl demo``: child processes, the demo user, channel and policy.

The CLI command (``hub.cli.web.demo``) strings these together; every long-running part is a
child process so that one signal handler can stop them all.
"""

from __future__ import annotations

import json
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from types import FrameType
from typing import IO, Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.connections import ConnectionService
from hub.errors import ConfigError

DEMO_EMAIL = "admin@demo.local"
DEMO_CONNECTION = "netsuite-demo"
DEMO_CHANNEL = "demo-mail"
#: Every day, every hour: the demo should send whenever someone tries it.
DEMO_POLICY_SETTINGS: dict[str, Any] = {
    "send_from": "00:00",
    "send_until": "23:59",
    "weekdays": [0, 1, 2, 3, 4, 5, 6],
}


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def read_json_object(stream: IO[str]) -> dict[str, Any]:
    """Read lines until they form one JSON object (the sandbox prints its info that way)."""
    lines: list[str] = []
    while True:
        line = stream.readline()
        if not line:
            raise ConfigError("the NetSuite sandbox exited before printing its address")
        lines.append(line)
        try:
            parsed: dict[str, Any] = json.loads("".join(lines))
            return parsed
        except ValueError:
            continue


def reset_demo_user(engine: Engine) -> str:
    """(Re)create the demo admin with a fresh random password and return the password."""
    from hub.web.auth import create_user
    from hub.web.models import User

    password = secrets.token_urlsafe(12)
    with Session(engine) as session:
        existing = session.exec(select(User).where(User.email == DEMO_EMAIL)).first()
        if existing is not None:
            session.delete(existing)
            session.flush()
        create_user(session, DEMO_EMAIL, password, "admin")
        session.commit()
    return password


def setup_collections(engine: Engine, channels: Any, mail_port: int) -> None:
    """Point the demo email channel at the local mail sink and install the default policy,
    sending at any hour (``channels``: a :class:`hub.collections.ChannelService`)."""
    from hub.collections import PolicyService
    from hub.collections.models import Channel
    from hub.collections.policies import DEFAULT_POLICY_NAME, DEFAULT_STEPS

    with Session(engine) as session:  # the sink's port changes on every run
        for row in session.exec(select(Channel).where(Channel.name == DEMO_CHANNEL)):
            session.delete(row)
        session.commit()
    channels.add(
        DEMO_CHANNEL,
        "email_reminders",
        {
            "host": "127.0.0.1",
            "port": mail_port,
            "security": "none",
            "from_address": "billing@demo.local",
            "from_name": "Demo Billing",
            "timeout": 10,
        },
    )
    policies = PolicyService(engine)
    policies.ensure_default()
    policies.save(DEFAULT_POLICY_NAME, DEFAULT_STEPS, DEMO_POLICY_SETTINGS, default=True)


def upsert_connection(service: ConnectionService, config: Mapping[str, Any]) -> None:
    """Add the demo connection, or point the existing one at this run's sandbox (its port
    changes on every run; the synced data stays)."""
    from hub.web.connection_form import update_connection

    existing = {c.name: c for c in service.list()}.get(DEMO_CONNECTION)
    if existing is None:
        service.add(DEMO_CONNECTION, "netsuite", {**config, "frequency": "15m"})
        return
    settings = {
        "objects": existing.objects,
        "frequency": existing.frequency,
        "direction": existing.direction,
    }
    update_connection(service, existing, {**service.full_config(existing), **config}, settings)


def wait_for_http(url: str, processes: Sequence[subprocess.Popen[Any]], timeout: float) -> None:
    """Poll ``url`` (loopback) until it answers; fail early if a child died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise ConfigError("a demo process exited while starting up")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise ConfigError(f"the web admin did not answer on {url} within {timeout:.0f} s")


class Stopped(Exception):
    """Raised in the main thread by SIGTERM so the demo's cleanup runs."""


def raise_on_sigterm() -> None:
    """Turn SIGTERM into :class:`Stopped` (Ctrl-C already raises KeyboardInterrupt)."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise Stopped

    signal.signal(signal.SIGTERM, handler)


def stop_all(processes: Sequence[subprocess.Popen[Any]], grace: float = 10.0) -> None:
    """Terminate the children newest first, wait for them, kill what does not stop."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut cleanup short
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def say(text: str = "") -> None:
    """Print one line to stdout at once (a parent reading our pipe must see it now)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


__all__ = [
    "DEMO_CHANNEL",
    "DEMO_CONNECTION",
    "DEMO_EMAIL",
    "Stopped",
    "free_port",
    "raise_on_sigterm",
    "read_json_object",
    "reset_demo_user",
    "say",
    "setup_collections",
    "upsert_connection",
    "stop_all",
    "wait_for_http",
]
