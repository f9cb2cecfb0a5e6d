"""Reminder templates (admins): edit a step template's intro paragraph, with a live preview of
the whole email and SMS rendered for sample invoices. Saved under ``<instance>/templates/intro/``,
which the collections renderer reads before its shipped defaults."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from jinja2 import ChoiceLoader, DictLoader, TemplateError

from hub.models import utcnow
from hub.web.admin_base import HubView, expose

SHIPPED = ("upcoming", "overdue", "final")
_NAME = re.compile(r"^[a-z0-9_-]{1,100}$")


def _instance_dir() -> Path:
    return Path(current_app.instance_path) / "templates" / "intro"


def template_names() -> list[str]:
    """Shipped template names plus those saved in the instance folder."""
    folder = _instance_dir()
    own = (
        {p.name.removesuffix(".txt.j2") for p in folder.glob("*.txt.j2")}
        if folder.is_dir()
        else set()
    )
    return sorted(set(SHIPPED) | own)


def render_preview(name: str, intro: str | None = None) -> dict[str, Any]:
    """The email and SMS for sample invoices, with ``intro`` replacing the stored intro."""
    from hub.collections.rendering import InvoiceLine, Renderer

    renderer = Renderer(Path(current_app.instance_path))
    if intro is not None:
        override = DictLoader({f"intro/{name}.txt.j2": intro})
        renderer.env.loader = ChoiceLoader([override, renderer.env.loader])  # type: ignore[list-item]
    today = utcnow().date()
    sample = [
        InvoiceLine("INV-1001", today - timedelta(days=12), Decimal("1250.00"), "USD"),
        InvoiceLine("INV-1007", today - timedelta(days=3), Decimal("310.50"), "USD"),
    ]
    kwargs: dict[str, Any] = {
        "template": name,
        "customer_name": "Blue Chemicals Ltd",
        "invoices": sample,
        "today": today,
        "company_name": "Acme Billing",
    }
    email = renderer.email(**kwargs)
    sms = renderer.sms(**kwargs)
    return {"subject": email.subject, "text": email.text, "sms": sms.text}


def current_intro(name: str) -> str:
    from hub.collections.rendering import Renderer

    renderer = Renderer(Path(current_app.instance_path))
    loader = renderer.env.loader
    assert loader is not None
    source, _path, _ = loader.get_source(renderer.env, f"intro/{name}.txt.j2")
    return source


class ReminderTemplatesView(HubView):
    @expose("/")
    def index(self) -> ResponseReturnValue:
        return redirect(url_for(".edit", template_name="overdue"))

    @expose("/edit/<template_name>", methods=("GET", "POST"))
    def edit(self, template_name: str) -> ResponseReturnValue:
        name = template_name
        if not _NAME.match(name):
            abort(404)
        error = None
        if request.method == "POST":
            intro = request.form.get("intro", "")
            try:
                render_preview(name, intro)
            except TemplateError as exc:
                error = f"template error: {exc}"
            else:
                folder = _instance_dir()
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{name}.txt.j2").write_text(intro, encoding="utf-8")
                flash(f"Template {name!r} saved.", "success")
                return redirect(url_for(".edit", template_name=name))
        else:
            try:
                intro = current_intro(name)
            except TemplateError:
                intro = ""
        try:
            preview: dict[str, Any] | None = render_preview(name, intro)
        except TemplateError as exc:
            preview, error = None, error or f"template error: {exc}"
        return self.render(
            "hub/reminder_templates.html",
            name=name,
            names=template_names(),
            intro=intro,
            preview=preview,
            error=error,
        )

    @expose("/preview/<template_name>", methods=("POST",))
    def preview(self, template_name: str) -> ResponseReturnValue:
        name = template_name
        if not _NAME.match(name):
            abort(404)
        try:
            return jsonify(render_preview(name, request.form.get("intro", "")))
        except TemplateError as exc:
            return jsonify(error=f"template error: {exc}"), 400


__all__ = ["ReminderTemplatesView", "render_preview", "template_names"]
