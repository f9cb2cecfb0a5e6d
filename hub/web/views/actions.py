"""Collector actions as CSRF-protected POSTs: pause/resume a customer or invoice, record a
dispute, a promise to pay or a note. Each lands on the customer's timeline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from hub.errors import ConfigError
from hub.web.admin_base import HubView, expose
from hub.web.services import engine

BOTH_ROLES = ("admin", "collector")


def _date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{raw!r} is not a date (YYYY-MM-DD)") from None


def _amount(raw: str | None) -> Decimal | None:
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ConfigError(f"{raw!r} is not an amount") from None
    if not value.is_finite() or value <= 0:
        raise ConfigError("the promised amount must be positive")
    return value


class CollectorActionsView(HubView):
    """POST-only endpoints behind the buttons on customer pages (no menu entry)."""

    roles = BOTH_ROLES

    def is_visible(self) -> bool:
        return False

    def _back(self) -> ResponseReturnValue:
        target = request.form.get("next", "")
        if not target.startswith("/admin/") or target.startswith("//"):
            target = url_for("customer.index_view")
        return redirect(target)

    def _run(self, action: str) -> ResponseReturnValue:
        from hub.collections import CollectorActions

        form = request.form
        try:
            connection_id = int(form.get("connection_id", ""))
        except ValueError:
            flash("missing connection", "error")
            return self._back()
        scope = form.get("scope", "invoice")
        external_id = form.get("external_id", "")
        actions = CollectorActions(engine(), connection_id, actor=str(current_user.email))
        try:
            if action == "pause":
                actions.pause(scope, external_id, form.get("reason", ""), _date(form.get("until")))
                message = f"Paused {scope} {external_id}."
            elif action == "resume":
                ended = actions.resume(scope, external_id)
                message = f"Resumed {scope} {external_id} ({ended} pause(s) ended)."
            elif action == "dispute":
                actions.dispute(external_id, form.get("reason", ""))
                message = f"Dispute recorded on invoice {external_id}."
            elif action == "resolve":
                actions.resolve_dispute(external_id)
                message = f"Dispute on invoice {external_id} resolved."
            elif action == "promise":
                until = _date(form.get("until"))
                if until is None:
                    raise ConfigError("a promise to pay needs a date")
                actions.promise(external_id, until, _amount(form.get("amount")))
                message = f"Promise to pay recorded on invoice {external_id}."
            else:
                actions.note(external_id, form.get("text", ""))
                message = "Note added."
        except ConfigError as exc:
            flash(str(exc), "error")
        else:
            flash(message, "success")
        return self._back()

    @expose("/pause", methods=("POST",))
    def pause(self) -> ResponseReturnValue:
        return self._run("pause")

    @expose("/resume", methods=("POST",))
    def resume(self) -> ResponseReturnValue:
        return self._run("resume")

    @expose("/dispute", methods=("POST",))
    def dispute(self) -> ResponseReturnValue:
        return self._run("dispute")

    @expose("/resolve", methods=("POST",))
    def resolve(self) -> ResponseReturnValue:
        return self._run("resolve")

    @expose("/promise", methods=("POST",))
    def promise(self) -> ResponseReturnValue:
        return self._run("promise")

    @expose("/note", methods=("POST",))
    def note(self) -> ResponseReturnValue:
        return self._run("note")

    @expose("/")
    def index(self) -> ResponseReturnValue:
        return redirect(url_for("customer.index_view"))


__all__ = ["CollectorActionsView"]
