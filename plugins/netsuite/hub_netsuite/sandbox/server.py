"""The sandbox's WSGI application and its threaded HTTP server.

Every ``/services/rest`` request goes through the same pipeline: host check → concurrency slot
(429 or slow 401 when none is free) → injected latency → authentication → injected fault →
handler. ``/sandbox/...`` is the admin API (its own token; not governed, never faulted).
"""

from __future__ import annotations

import logging
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from hub_netsuite.sandbox.auth import Authenticator
from hub_netsuite.sandbox.authtypes import AuthFailure
from hub_netsuite.sandbox.envelopes import (
    ApiError,
    ErrorDetail,
    concurrency_exceeded_response,
    error_response,
    unexpected_error,
)
from hub_netsuite.sandbox.governance import Admission, Governance
from hub_netsuite.sandbox.handlers import ServiceHandlers
from hub_netsuite.sandbox.oauth2 import account_host

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

_ROUTES = Map(
    [
        Rule("/services/rest/record/v1/<record_type>", endpoint="record.list"),
        Rule("/services/rest/record/v1/<record_type>/<record_id>", endpoint="record.item"),
        Rule("/services/rest/query/v1/suiteql", endpoint="suiteql"),
        Rule("/services/rest/auth/oauth2/v1/token", endpoint="oauth2.token"),
        Rule("/services/rest/system/v1/governanceLimits", endpoint="system.governanceLimits"),
        Rule("/services/rest/system/v1/serverTime", endpoint="system.serverTime"),
        Rule("/sandbox", endpoint="admin"),
        Rule("/sandbox/<path:admin_path>", endpoint="admin"),
    ],
    strict_slashes=False,
    merge_slashes=False,
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
AdminHandler = Callable[[Request, str], Response]


def _bare_host(host: str) -> str:
    host = host.lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def _error_id() -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(20))


class SandboxApp:
    """The WSGI callable."""

    def __init__(
        self,
        handlers: ServiceHandlers,
        authenticator: Authenticator,
        governance: Governance,
        account_id: str,
        admin: AdminHandler | None = None,
    ) -> None:
        self.handlers = handlers
        self.authenticator = authenticator
        self.governance = governance
        self.account_id = account_id
        self.admin = admin
        self._allowed_hosts = LOOPBACK_HOSTS | {account_host(account_id)}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route one request."""
        adapter = _ROUTES.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match(return_rule=False)
        except NotFound:
            return self._unrouted(request)
        except HTTPException as exc:  # e.g. a redirect for a trailing slash
            return exc.get_response(request.environ)
        if endpoint == "admin":
            if self.admin is None:
                return Response("no admin API", status=404)
            try:
                return self.admin(request, str(args.get("admin_path", "")))
            except Exception:  # a sandbox bug: keep the traceback, answer JSON
                log.exception("sandbox admin request failed")
                return Response('{"error": "internal error"}', 500, content_type="application/json")
        return self._governed(request, str(endpoint), args)

    def _unrouted(self, request: Request) -> Response:
        if request.path.startswith("/services/"):
            error = ApiError(
                404,
                ErrorDetail(
                    "INVALID_REQUEST",
                    f"The requested resource {request.path} does not exist.",
                    url_path=request.path,
                ),
            )
            self.governance.record_status(404)
            return error_response(error)
        return Response("Not Found", status=404, content_type="text/plain")

    def _governed(self, request: Request, endpoint: str, args: Mapping[str, Any]) -> Response:
        if _bare_host(request.host) not in self._allowed_hosts:
            self.authenticator.fail(
                request,
                "TBA",
                AuthFailure("UnknownHost", f"host {request.host!r} is not this account's"),
            )
            return self._counted(error_response(self.authenticator.login_error(False)))
        admission = self.governance.enter(endpoint)
        if admission is Admission.REJECTED:
            return self._counted(concurrency_exceeded_response())
        if admission is Admission.SLOW_401:
            time.sleep(self.governance.slow_401_seconds())
            self.authenticator.fail(
                request,
                "TBA",
                AuthFailure("ConcurrencyLimitLogin", "over the concurrency limit (slow 401)"),
            )
            return self._counted(error_response(self.authenticator.login_error(False)))
        try:
            delay = self.governance.latency_seconds()
            if delay:
                time.sleep(delay)
            response = self._serve(request, endpoint, args)
        except ApiError as error:
            response = error_response(error)
        except Exception:  # a sandbox bug: answer like NetSuite would, keep the traceback
            error_id = _error_id()
            log.exception("sandbox request failed (Error ID %s)", error_id)
            response = error_response(unexpected_error(error_id))
        finally:
            self.governance.leave()
        return self._counted(response)

    def _serve(self, request: Request, endpoint: str, args: Mapping[str, Any]) -> Response:
        if endpoint == "oauth2.token":
            return self.authenticator.token_endpoint(request)
        self.authenticator.authenticate(request)
        error_id = self.governance.fault()
        if error_id is not None:
            raise unexpected_error(error_id)
        h = self.handlers
        if endpoint == "record.list":
            return h.record_collection(request, args["record_type"])
        if endpoint == "record.item":
            return h.record_item(request, args["record_type"], args["record_id"])
        if endpoint == "suiteql":
            return h.suiteql(request)
        if endpoint == "system.governanceLimits":
            return h.governance_limits(request)
        return h.server_time(request)

    def _counted(self, response: Response) -> Response:
        self.governance.record_status(response.status_code)
        return response


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not print a line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class SandboxHTTPServer:
    """A threaded werkzeug server running ``app`` in a background thread."""

    def __init__(
        self, app: SandboxApp, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True
    ) -> None:
        self._server: BaseWSGIServer = make_server(
            host,
            port,
            app,
            threaded=True,
            request_handler=_QuietHandler if quiet else None,
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._server.server_port)

    @property
    def host(self) -> str:
        """The bound address."""
        return str(self._server.host)

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="netsuite-sandbox",
            daemon=True,
        )
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` (or Ctrl-C)."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
