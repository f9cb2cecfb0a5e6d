"""Reminder policies (admins): a step editor (one row per step) plus the sending settings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlmodel import Session, select

from hub.errors import ConfigError
from hub.web.admin_base import HubView, expose
from hub.web.services import engine

#: Blank step rows offered below the existing ones.
SPARE_ROWS = 2
_LIST_FIELDS = ("channels", "recipients", "also", "internal")
_SETTING_TEXT = ("timezone", "send_from", "send_until", "min_amount_due", "locale", "company_name")


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def parse_steps(form: Mapping[str, str]) -> list[dict[str, Any]]:
    """Steps from the editor's ``step-<n>-<field>`` inputs; rows without a key are dropped."""
    indexes = sorted({int(m.group(1)) for k in form if (m := re.match(r"step-(\d+)-key$", k))})
    steps = []
    for n in indexes:
        key = form.get(f"step-{n}-key", "").strip()
        if not key or form.get(f"step-{n}-delete"):
            continue
        raw_offset = form.get(f"step-{n}-offset_days", "").strip()
        try:
            offset: Any = int(raw_offset)
        except ValueError:
            raise ConfigError(f"step {key!r}: offset must be a whole number of days") from None
        step: dict[str, Any] = {"key": key, "offset_days": offset}
        for name in _LIST_FIELDS:
            values = _split(form.get(f"step-{n}-{name}", ""))
            if values or name == "channels":
                step[name] = values
        template = form.get(f"step-{n}-template", "").strip()
        if template:
            step["template"] = template
        steps.append(step)
    return sorted(steps, key=lambda s: int(s["offset_days"]))


def parse_settings(form: Mapping[str, str]) -> dict[str, Any]:
    """The policy settings from the editor (empty inputs keep the defaults)."""
    settings: dict[str, Any] = {}
    for name in _SETTING_TEXT:
        value = form.get(name, "").strip()
        if value:
            settings[name] = value
    weekdays = [int(d) for d in range(7) if form.get(f"weekday-{d}")]
    if weekdays:
        settings["weekdays"] = weekdays
    settings["group_invoices"] = bool(form.get("group_invoices"))
    return settings


class PoliciesView(HubView):
    """List policies, edit one (steps + settings), create a new one."""

    @expose("/")
    def index(self) -> ResponseReturnValue:
        from hub.collections import PolicyService
        from hub.collections.models import ReminderPolicy

        PolicyService(engine()).ensure_default()
        with Session(engine()) as session:
            rows = list(session.exec(select(ReminderPolicy).order_by(ReminderPolicy.name)))
        return self.render("hub/policies.html", policies=rows)

    @expose("/edit/<policy_name>", methods=("GET", "POST"))
    def edit(self, policy_name: str) -> ResponseReturnValue:
        name = policy_name
        from hub.collections import PolicyService
        from hub.collections.models import ReminderPolicy
        from hub.collections.policies import DEFAULT_STEPS

        with Session(engine()) as session:
            row = session.exec(select(ReminderPolicy).where(ReminderPolicy.name == name)).first()
        if row is None and name != "new":
            abort(404)
        steps: list[dict[str, Any]] = list(row.steps) if row else [dict(DEFAULT_STEPS[0])]
        settings: dict[str, Any] = dict(row.settings or {}) if row else {}
        error = None
        if request.method == "POST":
            form = {k: request.form.get(k, "") for k in request.form}
            target = form.get("name", "").strip() if row is None else name
            try:
                if not re.match(r"^[A-Za-z0-9_.-]{1,100}$", target):
                    raise ConfigError("name the policy with letters, digits, '_', '-', '.'")
                steps, settings = parse_steps(form), parse_settings(form)
                PolicyService(engine()).save(
                    target, steps, settings, default=bool(form.get("is_default"))
                )
            except ConfigError as exc:
                error = str(exc)
            else:
                flash(f"Policy {target!r} saved.", "success")
                return redirect(url_for(".edit", policy_name=target))
        return self.render(
            "hub/policy_edit.html",
            policy=row,
            name=name,
            steps=steps,
            settings=settings,
            spare=SPARE_ROWS,
            error=error,
        )


__all__ = ["PoliciesView", "parse_settings", "parse_steps"]
