"""Sending hours: quiet hours and days off, in the recipient's local time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.collections.policies import PolicySettings


def zone(name: str | None, fallback: str) -> ZoneInfo:
    """``name`` as a zone, else ``fallback`` (unknown names fall back rather than fail)."""
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_date(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def next_send_time(now: datetime, tz: ZoneInfo, settings: PolicySettings) -> datetime:
    """``now`` if it falls inside the sending hours in ``tz``, else the start of the next window
    (always in UTC)."""
    local = now.astimezone(tz)
    if (
        local.weekday() in settings.weekdays
        and settings.send_from <= local.time() < settings.send_until
    ):
        return now.astimezone(UTC)
    day = local.date() if local.time() < settings.send_from else local.date() + timedelta(days=1)
    for _ in range(8):
        if day.weekday() in settings.weekdays:
            start = datetime.combine(day, settings.send_from, tzinfo=tz)
            return start.astimezone(UTC)
        day += timedelta(days=1)
    return now.astimezone(UTC)  # no weekday allowed at all: send rather than never


__all__ = ["local_date", "next_send_time", "zone"]
