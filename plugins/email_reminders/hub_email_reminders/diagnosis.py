"""``check()`` for the email channel: walk the SMTP dialogue step by step and explain failures."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from hub import CheckResult, ConfigError, HubError
from hub_email_reminders.settings import SmtpSettings
from hub_email_reminders.smtp_session import SmtpSession

#: The steps reported in ``CheckResult.details``, in order.
CHECK_STEPS = ("connect", "ehlo", "tls", "auth", "sender", "noop", "quit")


def diagnose(settings: SmtpSettings) -> CheckResult:
    """Run every step against the server without sending mail; stop at the first failure.

    ``details`` maps each of :data:`CHECK_STEPS` to ``"ok ..."``, ``"skipped (...)"``,
    ``"failed: ..."`` or ``"not run"``.
    """
    session = SmtpSession(settings)
    details = dict.fromkeys(CHECK_STEPS, "not run")
    steps: list[tuple[str, Callable[[], str]]] = [
        ("connect", lambda: _connect(session)),
        ("ehlo", lambda: _run(session.ehlo)),
        ("tls", lambda: _tls(session)),
        ("auth", lambda: _auth(session)),
        ("sender", lambda: _run(session.check_sender, f"ok ({settings.from_address} accepted)")),
        ("noop", lambda: _run(session.noop)),
        ("quit", lambda: _run(session.close)),
    ]
    try:
        for step, run in steps:
            try:
                details[step] = run()
            except HubError as exc:
                first_line = str(exc).splitlines()[0]
                details[step] = f"failed: {first_line}"
                return CheckResult(
                    ok=False,
                    message=f"{step} failed: {first_line}",
                    causes=_causes(exc, step, settings),
                    details=details,
                )
    finally:
        session.close(polite=False)
    summary = f"SMTP server {settings.endpoint} accepts mail from {settings.from_address}"
    if session.tls_version:
        summary += f" over {session.tls_version}"
    return CheckResult(ok=True, message=summary, details=details)


def _run(action: Callable[[], None], ok: str = "ok") -> str:
    action()
    return ok


def _connect(session: SmtpSession) -> str:
    session.connect()
    return "ok"


def _tls(session: SmtpSession) -> str:
    security = session.settings.security
    if security == "none":
        return "skipped (security none: mail and password travel unencrypted)"
    if security == "starttls":
        session.start_tls()
    verified = "" if session.settings.verify else ", certificate NOT verified"
    return f"ok ({security}, {session.tls_version}{verified})"


def _auth(session: SmtpSession) -> str:
    settings = session.settings
    if not settings.username:
        return "skipped (no username)"
    session.authenticate()
    if settings.security == "none" and not _is_loopback(settings.host):
        return f"ok (as {settings.username}, but the password was sent unencrypted)"
    return f"ok (as {settings.username})"


def _causes(exc: HubError, step: str, settings: SmtpSettings) -> list[str]:
    if isinstance(exc, ConfigError):
        return list(exc.causes)
    endpoint = settings.endpoint
    if step == "connect":
        text = str(exc)
        if "did not answer" in text:
            return [
                f"a firewall silently drops connections to {endpoint}",
                "the server expects implicit TLS: set security to 'tls' (usually port 465)",
                "the server is overloaded; try again later",
            ]
        return [
            f"nothing listens on {endpoint}: check host and port",
            "a firewall blocks the port (many networks block outgoing port 25)",
            "the SMTP server is down; try again later",
        ]
    return ["the server reported a temporary problem; try again in a few minutes"]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
