"""Signed webhooks: ``POST /webhooks/<plugin>/<connection>`` asks for a targeted refresh.

The sender (e.g. the SuiteScript user-event script deployed in NetSuite) signs each call:
``X-Hub-Timestamp: <unix seconds>`` and ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of
"<timestamp>.<raw body>">`` with the connection's webhook secret (shown in the admin). The hub refuses
bad or missing signatures (401), timestamps outside the tolerance window (401), and replays of a
signature it has already accepted (409, remembered in Redis for the window). The JSON body names the
record: ``{"type": "invoice", "id": "1234"}``; the refresh is queued for the workers (202). A
payment's refresh also re-reads the invoices it applies to (:mod:`hub.web.webhook_jobs`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlmodel import Session, select

from hub.errors import ConfigError
from hub.models import Connection
from hub.web.services import (
    engine,
    plugin_host,
    redis_bytes,
    secret_box,
    sync_api,
    webhook_secret,
)
from hub.web.webhook_jobs import refresh_from_webhook

log = logging.getLogger(__name__)

webhooks = Blueprint("webhooks", __name__, url_prefix="/webhooks")

#: Record type names senders use, mapped to canonical object types.
OBJECT_TYPES = {
    "customer": "customer",
    "contact": "contact",
    "invoice": "invoice",
    "payment": "payment",
    "customerpayment": "payment",
}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Hub-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, signature: str, body: bytes, *, tolerance: int) -> bool:
    """Whether ``signature`` is valid for ``body`` and ``timestamp`` is within ``tolerance`` s."""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


@webhooks.route("/<plugin>/<connection>", methods=["POST"])
def receive(plugin: str, connection: str) -> ResponseReturnValue:
    with Session(engine()) as session:
        row = session.exec(
            select(Connection).where(Connection.name == connection, Connection.plugin == plugin)
        ).first()
        connection_id = row.id if row is not None else None
    body = request.get_data(cache=True)
    timestamp = request.headers.get("X-Hub-Timestamp", "")
    signature = request.headers.get("X-Hub-Signature", "")
    tolerance = int(current_app.config["HUB_WEBHOOK_TOLERANCE"])
    # Unknown connections get the same answer as bad signatures: nothing to probe.
    if connection_id is None or not verify(
        webhook_secret(connection), timestamp, signature, body, tolerance=tolerance
    ):
        abort(401)
    replay_key = f"{current_app.config['HUB_REDIS_PREFIX']}:webhook:{signature}"
    if not redis_bytes().set(replay_key, b"1", nx=True, ex=2 * tolerance):
        abort(409)
    try:
        payload: Any = json.loads(body)
        object_type = OBJECT_TYPES[str(payload["type"]).lower()]
        external_id = str(payload["id"])
    except (ValueError, KeyError, TypeError):
        return jsonify(error='body must be JSON like {"type": "invoice", "id": "123"}'), 400
    try:
        job_id = sync_api("enqueue_job")(
            refresh_from_webhook,
            connection_id,
            object_type,
            external_id,
            job_id=sync_api("safe_job_id")("webhook", connection_id, object_type, external_id),
            redis=redis_bytes(),
        )
    except ConfigError as exc:
        return jsonify(error=str(exc)), 503
    log.info("webhook: queued refresh of %s %s on %s", object_type, external_id, connection)
    return jsonify(queued=str(job_id), object=object_type, id=external_id), 202


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's ``X-Twilio-Signature``: base64 HMAC-SHA1 of the URL followed by every form
    parameter's name and value, sorted by name."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    mac = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def _public_url() -> str:
    """The URL the provider called: ``HUB_PUBLIC_URL`` + path behind a proxy, else the request's."""
    public = str(current_app.config.get("HUB_PUBLIC_URL") or "").rstrip("/")
    if not public:
        return request.url
    query = request.query_string.decode()
    return public + request.path + (f"?{query}" if query else "")


@webhooks.route("/sms/<channel>", methods=["POST"])
def inbound_sms(channel: str) -> ResponseReturnValue:
    """STOP/START replies from the SMS provider, signed with the channel's auth token."""
    from hub.collections import ChannelService, handle_inbound_sms

    service = ChannelService(engine(), plugin_host(), secret_box())
    try:
        row = service.get(channel)
        token = str(service.full_config(row).get("auth_token") or "") if row.kind == "sms" else ""
    except ConfigError:
        token = ""
    params = {key: request.form[key] for key in request.form}
    signature = request.headers.get("X-Twilio-Signature", "")
    expected = twilio_signature(token, _public_url(), params) if token else ""
    if not token or not hmac.compare_digest(expected, signature):
        abort(401)
    replay_key = f"{current_app.config['HUB_REDIS_PREFIX']}:sms:{params.get('MessageSid', '')}"
    if params.get("MessageSid") and not redis_bytes().set(replay_key, b"1", nx=True, ex=86400):
        abort(409)
    action = handle_inbound_sms(engine(), params.get("From", ""), params.get("Body", ""))
    log.info("inbound SMS on %s: %s", channel, action or "no keyword")
    return Response("<Response/>", status=200, mimetype="text/xml")


__all__ = ["OBJECT_TYPES", "sign", "twilio_signature", "verify", "webhooks"]
