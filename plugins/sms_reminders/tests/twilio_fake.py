"""A small Twilio-compatible SMS provider for tests, served over real HTTP on 127.0.0.1.

It checks basic auth and the form fields, answers with Twilio-shaped JSON, honours
``I-Twilio-Idempotency-Token`` (a repeated token returns the first message and sends nothing),
and can be told to fail: canned responses, opted-out numbers, invalid numbers.
Loaded by ``conftest.py`` under a unique module name (pytest runs with ``--import-mode=importlib``).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-auth-token-7f3a9c"
SERVICE_SID = "MG" + "fedcba9876543210" * 2
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_MESSAGES = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
_ACCOUNT = re.compile(r"^/2010-04-01/Accounts/([^/]+)\.json$")


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class Canned:
    """A response to give instead of processing the next POST."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeTwilio:
    """The provider's state; :meth:`start` serves it, :meth:`stop` shuts it down."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    account_status: str = "active"
    sender_numbers: set[str] = field(default_factory=lambda: {"+14155550100"})
    services: set[str] = field(default_factory=lambda: {SERVICE_SID})
    opted_out: set[str] = field(default_factory=set)
    invalid_numbers: set[str] = field(default_factory=set)
    canned: list[Canned] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    by_token: dict[str, dict[str, Any]] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, status: int, code: int | None = None, **headers: str) -> None:
        """Answer the next authorised request with ``status`` (and a Twilio error body with ``code``)."""
        body = {"status": status, "message": f"canned failure {status}"}
        if code is not None:
            body.update(code=code, more_info=f"https://www.twilio.com/docs/errors/{code}")
        self.canned.append(
            Canned(status, body, {k.replace("_", "-"): v for k, v in headers.items()})
        )

    def start(self) -> FakeTwilio:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- request processing ---------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Canned:
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        with self._lock:
            self.requests.append(Recorded(method, path, headers, form))
            if not self._authorized(headers.get("authorization", "")):
                return _error(401, 20003, "Authenticate")
            if self.canned:
                return self.canned.pop(0)
            if method == "POST" and (match := _MESSAGES.match(path)):
                if match.group(1) != self.account_sid:
                    return _error(404, 20404, "The requested resource was not found")
                return self._create_message(form, headers.get("i-twilio-idempotency-token"))
            if method == "GET" and (match := _ACCOUNT.match(path)):
                if match.group(1) != self.account_sid:
                    return _error(404, 20404, "The requested resource was not found")
                return Canned(200, self._account())
            return _error(404, 20404, "The requested resource was not found")

    def _authorized(self, header: str) -> bool:
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(user, self.account_sid) and secrets.compare_digest(
            password, self.auth_token
        )

    def _create_message(self, form: dict[str, str], token: str | None) -> Canned:
        if token and token in self.by_token:
            return Canned(201, self.by_token[token])
        to, body = form.get("To", ""), form.get("Body", "")
        sender, service = form.get("From"), form.get("MessagingServiceSid")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        if not sender and not service:
            return _error(400, 21603, "A 'From' phone number is required.")
        if sender and service:
            return _error(400, 21603, "Provide either From or MessagingServiceSid, not both.")
        if sender and sender not in self.sender_numbers:
            return _error(400, 21606, f"The From phone number {sender} is not a valid number.")
        if service and service not in self.services:
            return _error(400, 21705, "The Messaging Service Sid is invalid.")
        if not E164.match(to) or to in self.invalid_numbers:
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if to in self.opted_out:
            return _error(400, 21610, "Attempt to send to unsubscribed recipient")
        if len(body) > 1600:
            return _error(400, 21617, "The concatenated message body exceeds 1600 characters.")
        message = {
            "sid": "SM" + secrets.token_hex(16),
            "account_sid": self.account_sid,
            "to": to,
            "from": sender,
            "messaging_service_sid": service,
            "body": body,
            "status": "accepted" if service else "queued",
            "status_callback": form.get("StatusCallback"),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "api_version": "2010-04-01",
        }
        self.messages.append(message)
        if token:
            self.by_token[token] = message
        return Canned(201, message)

    def _account(self) -> dict[str, Any]:
        return {
            "sid": self.account_sid,
            "friendly_name": "Collections Test Account",
            "status": self.account_status,
            "type": "Full",
        }


def _error(status: int, code: int, message: str) -> Canned:
    return Canned(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


def _handler_for(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = fake.handle(method, self.path, headers, raw)
            payload = json.dumps(answer.body).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
