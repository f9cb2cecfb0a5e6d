"""Rendering reminder messages from Jinja2 templates, with money and dates localised by Babel.

Templates are looked up first in ``<instance>/templates/`` (admins override or add their own
there, e.g. ``intro/gentle.txt.j2`` for a step with ``"template": "gentle"``), then in the
defaults shipped in ``hub/collections/templates/``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

from hub.errors import ConfigError

TONES: dict[str, dict[str, str]] = {
    "upcoming": {"subject": "Payment reminder", "sms": "due soon"},
    "overdue": {"subject": "Overdue invoice reminder", "sms": "past due"},
    "final": {"subject": "Final reminder", "sms": "seriously overdue"},
}


@dataclass(frozen=True)
class InvoiceLine:
    """An invoice as a reminder shows it (amounts as of the last refresh)."""

    number: str
    due_date: date | None
    amount_due: Decimal
    currency: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


class Renderer:
    """Renders the email (subject, text, HTML) and SMS bodies of a reminder."""

    def __init__(self, instance_path: Path | None = None) -> None:
        self.env = _environment(instance_path)

    def context(
        self,
        *,
        template: str,
        customer_name: str,
        invoices: Sequence[InvoiceLine],
        today: date,
        locale: str = "en_US",
        company_name: str = "",
    ) -> dict[str, Any]:
        loc = _locale(locale)
        totals: dict[str, Decimal] = defaultdict(Decimal)
        rows = []
        for inv in invoices:
            totals[inv.currency] += inv.amount_due
            rows.append(
                {
                    "number": inv.number,
                    "due_date": format_date(inv.due_date, format="medium", locale=loc)
                    if inv.due_date
                    else "",
                    "amount_due": format_currency(inv.amount_due, inv.currency, locale=loc),
                    "days_overdue": (today - inv.due_date).days if inv.due_date else 0,
                }
            )
        return {
            "customer_name": customer_name or "customer",
            "invoices": rows,
            "totals": [format_currency(v, c, locale=loc) for c, v in sorted(totals.items())],
            "company_name": company_name,
            "language": loc.language,
            "intro": f"intro/{template}.txt.j2",
            "tone": TONES.get(template, TONES["overdue"]),
        }

    def email(self, **kwargs: Any) -> Rendered:
        ctx = self.context(**kwargs)
        self._require(ctx["intro"])
        subject = self.env.get_template("subject.txt.j2").render(ctx).strip()
        text = self.env.get_template("email.txt.j2").render(ctx)
        html = self.env.get_template("email.html.j2").render(ctx)
        return Rendered(" ".join(subject.split()), text, html)

    def sms(self, **kwargs: Any) -> Rendered:
        ctx = self.context(**kwargs)
        text = " ".join(self.env.get_template("sms.txt.j2").render(ctx).split())
        return Rendered("", text, None)

    def _require(self, name: str) -> None:
        try:
            self.env.get_template(name)
        except TemplateNotFound:
            raise ConfigError(
                f"reminder template {name!r} not found",
                causes=["add it under <instance>/templates/ or use upcoming, overdue or final"],
            ) from None


@lru_cache(maxsize=8)
def _environment(instance_path: Path | None) -> Environment:
    """One Jinja environment per template folder, shared so templates compile once per process
    (an edited instance template is still picked up: Jinja checks its file's modification time)."""
    loaders: list[Any] = []
    if instance_path is not None and (instance_path / "templates").is_dir():
        loaders.append(FileSystemLoader(str(instance_path / "templates")))
    loaders.append(PackageLoader("hub.collections", "templates"))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )


def _locale(name: str) -> Locale:
    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en_US")


__all__ = ["TONES", "InvoiceLine", "Rendered", "Renderer"]
