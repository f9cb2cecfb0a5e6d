"""Mapping editor: JSON editing with validation at the JSON path, preview on real samples,
version history with diff and revert, reset to the plugin's default."""

from __future__ import annotations

import difflib
import json
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlmodel import Session, select

from hub.errors import ConfigError, HubError
from hub.mapping import Mapper
from hub.mappings import MappingService
from hub.models import Connection
from hub.redaction import redact
from hub.web.admin_base import HubView, expose
from hub.web.auth import current_email
from hub.web.services import connections, engine, plugin_host

SAMPLE_SIZE = 3


def parse_document(text: str) -> dict[str, Any]:
    """Parse the editor's text; a syntax error names line and column."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", path="$"
        ) from exc
    if not isinstance(document, dict):
        raise ConfigError("a mapping document is a JSON object", path="$")
    return document


def describe(exc: ConfigError) -> str:
    """The error as shown under the editor, JSON path first."""
    causes = f" ({'; '.join(exc.causes)})" if exc.causes else ""
    return redact(f"{exc.path or '$'}: {exc.message}{causes}")


def sample_records(connection: Connection, object_type: str) -> list[dict[str, Any]]:
    """The first few raw records of the stream feeding ``object_type``, fetched live."""
    connector = connections().connector_for(connection)
    try:
        for spec in connector.streams():
            if spec.object_type == object_type:
                for page in connector.read(spec.name, {}):
                    if page.records:
                        return [dict(r) for r in page.records[:SAMPLE_SIZE]]
                return []
        return []
    finally:
        connector.close()


def preview(document: dict[str, Any], samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each sample next to what the document makes of it (record or field errors)."""
    transforms = {name: r.value for name, r in plugin_host().transforms().items()}
    mapper = Mapper.compile(document, transforms=transforms)
    out = []
    for raw in samples:
        result = mapper.map(raw)
        out.append(
            {
                "raw": json.dumps(raw, indent=2, sort_keys=True, default=str),
                "mapped": json.dumps(result.record, indent=2, sort_keys=True, default=str)
                if result.record is not None
                else "",
                "errors": [f"{e.field}: {e.message}" for e in result.errors],
            }
        )
    return out


class MappingsView(HubView):
    """Admin-only: per connection and object, the current mapping and its history."""

    def _connection(self) -> Connection:
        raw = request.values.get("connection", "")
        with Session(engine(), expire_on_commit=False) as session:
            if raw.isdigit():
                row = session.get(Connection, int(raw))
            else:
                row = session.exec(select(Connection).order_by(Connection.name)).first()
        if row is None:
            abort(404)
        return row

    def _object(self, connection: Connection) -> str:
        object_type = request.values.get("object") or (connection.objects or ["customer"])[0]
        if object_type not in ("customer", "contact", "invoice", "payment"):
            abort(404)
        return object_type

    def _page(
        self,
        connection: Connection,
        object_type: str,
        *,
        text: str | None = None,
        error: str | None = None,
        previews: list[dict[str, Any]] | None = None,
        status: int = 200,
    ) -> ResponseReturnValue:
        assert connection.id is not None
        with Session(engine()) as session:
            service = MappingService(session, plugin_host())
            history = service.history(connection.id, object_type)
            all_connections = list(session.exec(select(Connection).order_by(Connection.name)))
        current = history[0] if history else None
        if text is None:
            text = json.dumps(current.document, indent=2) if current else "{}"
        page = self.render(
            "hub/mapping_editor.html",
            connection=connection,
            connections=all_connections,
            object_type=object_type,
            objects=("customer", "contact", "invoice", "payment"),
            text=text,
            error=error,
            previews=previews,
            history=history,
            current=current,
        )
        return page, status

    @expose("/")
    def index(self) -> ResponseReturnValue:
        connection = self._connection()
        return self._page(connection, self._object(connection))

    @expose("/save", methods=["POST"])
    def save(self) -> ResponseReturnValue:
        connection = self._connection()
        object_type = self._object(connection)
        text = request.form.get("document", "")
        assert connection.id is not None
        try:
            document = parse_document(text)
            with Session(engine()) as session:
                row = MappingService(session, plugin_host()).save(
                    connection.id,
                    object_type,
                    document,
                    author=current_email(),
                    comment=request.form.get("comment", "")[:500],
                )
                version = row.version
                session.commit()
        except ConfigError as exc:
            return self._page(connection, object_type, text=text, error=describe(exc), status=422)
        flash(f"Saved as version {version}.", "success")
        return redirect(url_for(".index", connection=connection.id, object=object_type))

    @expose("/preview", methods=["POST"])
    def preview(self) -> ResponseReturnValue:
        connection = self._connection()
        object_type = self._object(connection)
        text = request.form.get("document", "")
        try:
            document = parse_document(text)
            samples = sample_records(connection, object_type)
            previews = preview(document, samples)
        except ConfigError as exc:
            return self._page(connection, object_type, text=text, error=describe(exc), status=422)
        except HubError as exc:
            error = redact(f"could not fetch sample records: {exc}")
            return self._page(connection, object_type, text=text, error=error, status=502)
        if not previews:
            flash("The connection returned no sample records for this object.", "info")
        return self._page(connection, object_type, text=text, previews=previews)

    @expose("/diff")
    def diff(self) -> ResponseReturnValue:
        connection = self._connection()
        object_type = self._object(connection)
        assert connection.id is not None
        with Session(engine()) as session:
            versions = {
                d.version: d
                for d in MappingService(session, plugin_host()).history(connection.id, object_type)
            }
        a, b = request.args.get("a", type=int), request.args.get("b", type=int)
        if a not in versions or b not in versions:
            abort(404)
        assert a is not None and b is not None
        left = json.dumps(versions[a].document, indent=2, sort_keys=True).splitlines()
        right = json.dumps(versions[b].document, indent=2, sort_keys=True).splitlines()
        lines = list(difflib.unified_diff(left, right, f"version {a}", f"version {b}", lineterm=""))
        return self.render(
            "hub/mapping_diff.html",
            connection=connection,
            object_type=object_type,
            a=a,
            b=b,
            lines=lines,
        )

    @expose("/revert", methods=["POST"])
    def revert(self) -> ResponseReturnValue:
        connection = self._connection()
        object_type = self._object(connection)
        version = request.form.get("version", type=int) or 0
        assert connection.id is not None
        try:
            with Session(engine()) as session:
                row = MappingService(session, plugin_host()).revert(
                    connection.id, object_type, version, author=current_email()
                )
                new = row.version
                session.commit()
        except ConfigError as exc:
            flash(f"Not reverted: {describe(exc)}", "error")
        else:
            flash(f"Version {version} is current again (as version {new}).", "success")
        return redirect(url_for(".index", connection=connection.id, object=object_type))

    @expose("/reset", methods=["POST"])
    def reset(self) -> ResponseReturnValue:
        connection = self._connection()
        object_type = self._object(connection)
        try:
            with Session(engine()) as session:
                row = MappingService(session, plugin_host()).reset_to_default(
                    connection, object_type, author=current_email()
                )
                new = row.version
                session.commit()
        except ConfigError as exc:
            flash(f"Not reset: {describe(exc)}", "error")
        else:
            flash(f"Reset to the plugin's default (version {new}).", "success")
        return redirect(url_for(".index", connection=connection.id, object=object_type))


__all__ = ["MappingsView", "parse_document", "preview", "sample_records"]
