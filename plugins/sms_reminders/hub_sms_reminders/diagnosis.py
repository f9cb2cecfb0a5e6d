"""``check()`` for the SMS channel: reach the provider, authenticate, inspect the account."""

from __future__ import annotations

from hub import AuthenticationError, CheckResult, ConfigError, HubError, TransientError
from hub_sms_reminders.twilio_api import TwilioClient

#: The steps reported in ``CheckResult.details``, in order.
CHECK_STEPS = ("connect", "auth", "account", "sender")


def diagnose(client: TwilioClient) -> CheckResult:
    """GET the account resource and explain what failed, step by step (no message is sent)."""
    settings = client.settings
    details = dict.fromkeys(CHECK_STEPS, "not run")
    try:
        account = client.fetch_account()
    except HubError as exc:
        step, causes = _failed_step(exc, settings.base_url)
        first_line = str(exc).splitlines()[0]
        for done in CHECK_STEPS[: CHECK_STEPS.index(step)]:
            details[done] = "ok"
        details[step] = f"failed: {first_line}"
        return CheckResult(
            ok=False, message=f"{step} failed: {first_line}", causes=causes, details=details
        )
    details["connect"] = details["auth"] = "ok"
    status = str(account.get("status", "unknown"))
    name = account.get("friendly_name") or settings.account_sid
    if status != "active":
        details["account"] = f"failed: account status is {status}"
        return CheckResult(
            ok=False,
            message=f"the provider account {name} is {status}, not active",
            causes=["the account was suspended or closed; contact the provider's support"],
            details=details,
        )
    details["account"] = f"ok ({name}, {status})"
    sender = settings.messaging_service_sid or settings.from_number
    details["sender"] = f"{sender} (verified by the provider when sending)"
    return CheckResult(
        ok=True,
        message=f"SMS provider at {settings.base_url} accepts account {name}",
        details=details,
    )


def _failed_step(exc: HubError, base_url: str) -> tuple[str, list[str]]:
    if isinstance(exc, TransientError):
        return "connect", [
            f"base_url ({base_url}) is wrong or the provider is unreachable from this machine",
            "a firewall or proxy blocks outgoing HTTPS",
            "the provider has an outage; try again later",
        ]
    if isinstance(exc, AuthenticationError):
        return "auth", list(exc.causes)
    if isinstance(exc, ConfigError) and exc.path == "$.base_url":
        return "connect", list(exc.causes)
    if isinstance(exc, ConfigError):
        return "account", list(exc.causes)
    return "account", []
