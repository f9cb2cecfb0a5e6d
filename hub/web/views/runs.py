"""Sync runs (list, detail with per-object counts, errors and log) and the quarantine."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlmodel import Session, col, select

from hub.errors import HubError
from hub.models import Connection, QuarantinedRecord, SyncLogEntry, SyncRun, utcnow
from hub.redaction import redact
from hub.web.admin_base import HubView, expose
from hub.web.services import engine, sync_api

PAGE = 100


class SyncRunsView(HubView):
    """Admin-only: what every sync did and cost."""

    @expose("/")
    def index(self) -> ResponseReturnValue:
        connection_id = request.args.get("connection", type=int)
        with Session(engine()) as session:
            query = select(SyncRun).order_by(col(SyncRun.started_at).desc()).limit(PAGE)
            if connection_id:
                query = query.where(SyncRun.connection_id == connection_id)
            runs = list(session.exec(query))
            names = dict(session.exec(select(Connection.id, Connection.name)).all())
        return self.render("hub/runs.html", runs=runs, names=names)

    @expose("/<int:run_id>")
    def detail(self, run_id: int) -> ResponseReturnValue:
        with Session(engine()) as session:
            run = session.get(SyncRun, run_id)
            if run is None:
                abort(404)
            connection = session.get(Connection, run.connection_id)
            logs = list(
                session.exec(
                    select(SyncLogEntry)
                    .where(SyncLogEntry.run_id == run_id)
                    .order_by(col(SyncLogEntry.id))
                )
            )
            quarantined = list(
                session.exec(
                    select(QuarantinedRecord).where(QuarantinedRecord.run_id == run_id).limit(200)
                )
            )
        return self.render(
            "hub/run_detail.html",
            run=run,
            connection=connection,
            logs=logs,
            quarantined=quarantined,
            error=redact(run.error or ""),
        )


class QuarantineView(HubView):
    """Admin-only: records that could not be mapped; fix and retry, or dismiss."""

    @expose("/")
    def index(self) -> ResponseReturnValue:
        status = request.args.get("status", "open")
        with Session(engine()) as session:
            rows = list(
                session.exec(
                    select(QuarantinedRecord)
                    .where(QuarantinedRecord.status == status)
                    .order_by(col(QuarantinedRecord.updated_at).desc())
                    .limit(PAGE)
                )
            )
            names = dict(session.exec(select(Connection.id, Connection.name)).all())
        return self.render("hub/quarantine.html", rows=rows, names=names, status=status)

    @expose("/<int:record_id>", methods=["GET", "POST"])
    def detail(self, record_id: int) -> ResponseReturnValue:
        with Session(engine(), expire_on_commit=False) as session:
            row = session.get(QuarantinedRecord, record_id)
        if row is None:
            abort(404)
        text = json.dumps(row.payload, indent=2, sort_keys=True)
        return self.render("hub/quarantine_detail.html", row=row, text=text, error=None)

    @expose("/<int:record_id>/retry", methods=["POST"])
    def retry(self, record_id: int) -> ResponseReturnValue:
        text = request.form.get("payload", "")
        with Session(engine(), expire_on_commit=False) as session:
            row = session.get(QuarantinedRecord, record_id)
            if row is None:
                abort(404)
            try:
                payload = json.loads(text)
                if not isinstance(payload, dict):
                    raise ValueError("the record must be a JSON object")
            except ValueError as exc:
                return self.render(
                    "hub/quarantine_detail.html", row=row, text=text, error=f"$: {exc}"
                ), 422
            row.payload = payload
            row.updated_at = utcnow()
            session.add(row)
            session.commit()
        try:
            outcome = sync_api("reprocess_quarantined")(engine(), row.connection_id, [record_id])
        except HubError as exc:
            flash(redact(f"Retry failed: {exc}"), "error")
            return redirect(url_for(".detail", record_id=record_id))
        with Session(engine()) as session:
            fresh = session.get(QuarantinedRecord, record_id)
            state = fresh.status if fresh else "resolved"
        if state == "open":
            flash(f"Still failing after the retry ({outcome}). See the errors below.", "error")
            return redirect(url_for(".detail", record_id=record_id))
        flash(f"Record {row.external_id or record_id} stored ({outcome}).", "success")
        return redirect(url_for(".index"))

    @expose("/<int:record_id>/dismiss", methods=["POST"])
    def dismiss(self, record_id: int) -> ResponseReturnValue:
        with Session(engine()) as session:
            row = session.get(QuarantinedRecord, record_id)
            if row is None:
                abort(404)
            row.status = "dismissed"
            row.updated_at = utcnow()
            session.add(row)
            session.commit()
        flash("Record dismissed.", "success")
        return redirect(url_for(".index"))


__all__ = ["QuarantineView", "SyncRunsView"]
