"""Reminder channels (admins): list, add, edit, check/test and remove email and SMS channels."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from hub.collections.channels import ChannelService
from hub.collections.models import Channel
from hub.errors import ConfigError, HubError
from hub.redaction import redact
from hub.web.admin_base import HubView, expose
from hub.web.channel_form import NOTIFIERS, check_channel, remove_channel, update_channel
from hub.web.connection_form import form_fields, parse_form
from hub.web.services import engine, plugin_host, secret_box


def _service() -> ChannelService:
    return ChannelService(engine(), plugin_host(), secret_box())


def _channel(service: ChannelService, name: str) -> Channel:
    try:
        return service.get(name)
    except ConfigError:
        abort(404)


def _error(exc: HubError) -> dict[str, Any]:
    causes = [redact(c) for c in getattr(exc, "causes", [])]
    return {"message": redact(str(exc)), "causes": causes}


class ChannelsView(HubView):
    """The Channels page; admin-only (channels hold SMTP/SMS credentials)."""

    @expose("/")
    def index(self) -> ResponseReturnValue:
        service = _service()
        rows = [(c, service.display_config(c)) for c in service.list()]
        return self.render("hub/channels.html", channels=rows, plugins=NOTIFIERS)

    @expose("/new", methods=("GET", "POST"))
    def new(self) -> ResponseReturnValue:
        plugin = request.values.get("plugin", "")
        if plugin not in NOTIFIERS:
            abort(404)
        schema = plugin_host().notifier(plugin).config_schema
        values: dict[str, Any] = {}
        name, error = "", None
        if request.method == "POST":
            name = request.form.get("name", "").strip()
            values = parse_form(schema, request.form)
            try:
                _service().add(name, plugin, values)
            except ConfigError as exc:
                error = _error(exc)
            else:
                flash(f"Channel {name} added. Now test it.", "success")
                return redirect(url_for(".index"))
        return self._form(plugin, schema, name, values, None, error)

    @expose("/<channel_name>/edit", methods=("GET", "POST"))
    def edit(self, channel_name: str) -> ResponseReturnValue:
        service = _service()
        channel = _channel(service, channel_name)
        schema = service.host.notifier(channel.plugin).config_schema
        values: dict[str, Any] = dict(channel.config)
        error = None
        if request.method == "POST":
            values = parse_form(schema, request.form, service.full_config(channel))
            try:
                update_channel(service, channel, values)
            except ConfigError as exc:
                error = _error(exc)
            else:
                flash("Channel settings saved.", "success")
                return redirect(url_for(".index"))
        return self._form(channel.plugin, schema, channel.name, values, channel, error)

    def _form(
        self,
        plugin: str,
        schema: dict[str, Any],
        name: str,
        values: dict[str, Any],
        channel: Channel | None,
        error: dict[str, Any] | None,
    ) -> str:
        fields = form_fields(schema)
        secrets = {f.name for f in fields if f.secret}
        shown = {k: v for k, v in values.items() if k not in secrets}  # never sent back
        return self.render(
            "hub/channel_form.html",
            plugin=plugin,
            name=name,
            fields=fields,
            values=shown,
            channel=channel,
            secrets_set=bool(channel and channel.secrets),
            error=error,
        )

    @expose("/<channel_name>/test", methods=("POST",))
    def test(self, channel_name: str) -> ResponseReturnValue:
        service = _service()
        channel = _channel(service, channel_name)
        checked = check_channel(service, channel)
        diagnosis: dict[str, Any] = {"channel": channel.name, **checked.as_dict(), "sent": ""}
        to = request.form.get("to", "").strip()
        if checked.ok and to:
            try:
                diagnosis["sent"] = redact(service.test(channel.name, to).detail or "sent")
            except HubError as exc:
                diagnosis.update(ok=False, **_error(exc))
        rows = [(c, service.display_config(c)) for c in service.list()]
        return self.render(
            "hub/channels.html", channels=rows, plugins=NOTIFIERS, diagnosis=diagnosis
        )

    @expose("/<channel_name>/delete", methods=("POST",))
    def delete(self, channel_name: str) -> ResponseReturnValue:
        service = _service()
        remove_channel(service, _channel(service, channel_name))
        flash(f"Channel {channel_name} removed.", "success")
        return redirect(url_for(".index"))


__all__ = ["ChannelsView"]
