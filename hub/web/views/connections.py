"""Connections: add/edit (secrets write-only), Test Connection, Sync Now, live progress, webhook."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlmodel import Session, col, select

from hub.connections import FREQUENCIES
from hub.connectors import CheckResult
from hub.errors import ConfigError, HubError
from hub.models import Connection, SyncRun
from hub.redaction import redact
from hub.web.admin_base import HubView, expose
from hub.web.connection_form import (
    DIRECTIONS,
    available_objects,
    form_fields,
    parse_form,
    parse_settings,
    update_connection,
)
from hub.web.diagnosis import load_diagnosis, save_diagnosis
from hub.web.services import (
    connections,
    engine,
    plugin_host,
    redis_bytes,
    sync_api,
    webhook_secret,
)

RUNNING = ("queued", "running")


def _load(connection_id: int) -> Connection:
    with Session(engine(), expire_on_commit=False) as session:
        row = session.get(Connection, connection_id)
    if row is None:
        abort(404)
    return row


def _error_text(exc: HubError) -> str:
    if isinstance(exc, ConfigError):
        return redact(str(exc))
    return redact(f"{type(exc).__name__}: {exc}")


def webhook_url(connection: Connection) -> str:
    from flask import current_app

    base = str(current_app.config.get("HUB_PUBLIC_URL") or request.host_url).rstrip("/")
    return f"{base}/webhooks/{connection.plugin}/{connection.name}"


class ConnectionsView(HubView):
    """Admin-only: everything about connections to source systems."""

    @expose("/")
    def index(self) -> ResponseReturnValue:
        with Session(engine()) as session:
            rows = list(session.exec(select(Connection).order_by(Connection.name)))
        return self.render("hub/connections.html", connections=rows, plugins=self._connectors())

    def _connectors(self) -> list[tuple[str, str]]:
        return [
            (name, getattr(reg.value, "title", name) or name)
            for name, reg in sorted(plugin_host().connectors().items())
        ]

    def _form_context(self, plugin: str, values: dict[str, Any], settings: dict[str, Any]) -> Any:
        connector_class = plugin_host().connector(plugin)
        return {
            "plugin": plugin,
            "fields": form_fields(connector_class.config_schema),
            "values": values,
            "settings": settings,
            "objects": available_objects(connector_class, values),
            "frequencies": FREQUENCIES,
            "directions": (f"{plugin}_to_hub", *DIRECTIONS),
        }

    @expose("/new", methods=["GET", "POST"])
    def new(self) -> ResponseReturnValue:
        plugin = request.values.get("plugin", "")
        if plugin not in plugin_host().connectors():
            flash("Pick a connector first.", "error")
            return redirect(url_for(".index"))
        schema = plugin_host().connector(plugin).config_schema
        name = request.form.get("name", "").strip()
        settings: dict[str, Any] = {"frequency": "15m", "direction": f"{plugin}_to_hub"}
        values: dict[str, Any] = {}
        if request.method == "POST":
            values = parse_form(schema, request.form)
            objects = available_objects(plugin_host().connector(plugin), values)
            settings = parse_settings(request.form, objects)
            try:
                row = connections().add(name, plugin, {**values, **settings})
            except ConfigError as exc:
                flash(f"Not saved: {_error_text(exc)}", "error")
            else:
                flash(f"Connection {row.name} saved. Now test it.", "success")
                return redirect(url_for(".detail", connection_id=row.id))
        context = self._form_context(plugin, values, settings)
        return self.render("hub/connection_form.html", name=name, connection=None, **context)

    @expose("/<int:connection_id>/")
    def detail(self, connection_id: int) -> ResponseReturnValue:
        row = _load(connection_id)
        service = connections()
        with Session(engine()) as session:
            runs = list(
                session.exec(
                    select(SyncRun)
                    .where(SyncRun.connection_id == connection_id)
                    .order_by(col(SyncRun.started_at).desc())
                    .limit(10)
                )
            )
        return self.render(
            "hub/connection_detail.html",
            connection=row,
            shown=service.display_config(row),
            runs=runs,
            webhook_url=webhook_url(row),
            diagnosis=load_diagnosis(connection_id),
        )

    @expose("/<int:connection_id>/edit", methods=["GET", "POST"])
    def edit(self, connection_id: int) -> ResponseReturnValue:
        row = _load(connection_id)
        service = connections()
        connector_class = plugin_host().connector(row.plugin)
        schema = connector_class.config_schema
        values: dict[str, Any] = dict(row.config)  # never the secrets
        settings: dict[str, Any] = {
            "objects": row.objects,
            "frequency": row.frequency,
            "direction": row.direction,
        }
        if request.method == "POST":
            stored = service.full_config(row)
            config = parse_form(schema, request.form, stored)
            settings = parse_settings(request.form, available_objects(connector_class, config))
            try:
                update_connection(service, row, config, settings)
            except ConfigError as exc:
                flash(f"Not saved: {_error_text(exc)}", "error")
                values = {k: v for k, v in config.items() if k not in form_secret_names(schema)}
            else:
                flash("Settings saved.", "success")
                return redirect(url_for(".detail", connection_id=connection_id))
        context = self._form_context(row.plugin, values, settings)
        return self.render(
            "hub/connection_form.html",
            name=row.name,
            connection=row,
            secrets_set=bool(row.secrets),
            **context,
        )

    @expose("/<int:connection_id>/test", methods=["POST"])
    def test(self, connection_id: int) -> ResponseReturnValue:
        row = _load(connection_id)
        try:
            result = connections().test(row.name)
        except HubError as exc:
            likely = [redact(str(c)) for c in getattr(exc, "causes", None) or []]
            headline = _error_text(exc).split("\nLikely causes:", 1)[0]
            result = CheckResult(False, headline, likely)
            save_diagnosis(connection_id, result)
            flash(f"Test failed: {_error_text(exc)}", "error")
        else:
            save_diagnosis(connection_id, result)
            if result.ok:
                flash(f"Connection works: {result.message}", "success")
            else:
                causes = "; ".join(result.causes)
                flash(f"Connection failed: {result.message}. Check: {causes}", "error")
        return redirect(url_for(".detail", connection_id=connection_id))

    @expose("/<int:connection_id>/sync", methods=["POST"])
    def sync_now(self, connection_id: int) -> ResponseReturnValue:
        row = _load(connection_id)
        full = request.form.get("full") == "1"
        with Session(engine()) as session:
            previous = session.exec(
                select(SyncRun.id)
                .where(SyncRun.connection_id == connection_id)
                .order_by(col(SyncRun.id).desc())
                .limit(1)
            ).first()
        try:
            job = sync_api("enqueue_sync")(row.id, full=full, trigger="manual", redis=redis_bytes())
        except HubError as exc:
            flash(f"Could not start the sync: {_error_text(exc)}", "error")
        else:
            flash(f"Sync queued (job {job}). Progress below.", "info")
        return redirect(url_for(".detail", connection_id=connection_id, after=previous or 0))

    @expose("/<int:connection_id>/progress.json")
    def progress(self, connection_id: int) -> ResponseReturnValue:
        _load(connection_id)
        with Session(engine()) as session:
            run = session.exec(
                select(SyncRun)
                .where(SyncRun.connection_id == connection_id)
                .order_by(col(SyncRun.started_at).desc(), col(SyncRun.id).desc())
                .limit(1)
            ).first()
        if run is None:
            return jsonify(run=None)
        try:
            live = sync_api("run_progress")(engine(), run.id)
        except HubError:
            live = {"status": run.status, "totals": {}, "counts": run.counts}
        totals = live.get("totals") or {}
        current = [k for k, v in (live.get("counts") or {}).items() if v]
        return jsonify(
            run={
                "id": run.id,
                "status": live["status"],
                "done": live["status"] not in RUNNING,
                "fetched": int(totals.get("fetched", 0)),
                "totals": totals,
                "stream": current[-1] if current else "",
                "error": redact(str(live.get("error") or "")),
            }
        )

    @expose("/<int:connection_id>/webhook-secret", methods=["POST"])
    def reveal_webhook_secret(self, connection_id: int) -> ResponseReturnValue:
        row = _load(connection_id)
        return self.render(
            "hub/webhook_secret.html",
            connection=row,
            webhook_url=webhook_url(row),
            secret=webhook_secret(row.name),
        )

    @expose("/<int:connection_id>/delete", methods=["POST"])
    def delete(self, connection_id: int) -> ResponseReturnValue:
        row = _load(connection_id)
        connections().remove(row.name)
        flash(f"Connection {row.name} and its synced records were removed.", "success")
        return redirect(url_for(".index"))


def form_secret_names(schema: dict[str, Any]) -> set[str]:
    return {f.name for f in form_fields(schema) if f.secret}


__all__ = ["ConnectionsView", "webhook_url"]
