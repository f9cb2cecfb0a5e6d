"""Authentication of every ``/services/rest`` request (TBA or OAuth 2.0 bearer) and the token endpoint.

Whatever goes wrong, the client sees NetSuite's single 401 INVALID_LOGIN envelope (a bearer failure
adds ``WWW-Authenticate: Bearer … error="invalid_token"``); the precise reason is written to the
login audit trail.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from hub_netsuite.sandbox.audit import LoginAttempt, LoginAuditTrail, utc_stamp
from hub_netsuite.sandbox.authtypes import AuthFailure, Principal
from hub_netsuite.sandbox.clock import SandboxClock
from hub_netsuite.sandbox.envelopes import PLAIN_JSON, ApiError, invalid_login, json_response
from hub_netsuite.sandbox.oauth2 import OAuth2Service, TokenEndpointError
from hub_netsuite.sandbox.tba import SignedRequest, TbaVerifier

_DEFAULT_PORTS = {"http": "80", "https": "443"}


def client_base_uri(request: Request) -> str:
    """``scheme://host[:port]/path`` as the client addressed it (RFC 5849 §3.4.1.2)."""
    scheme = request.scheme.lower()
    host = request.host.lower()
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and port == _DEFAULT_PORTS.get(scheme):
        host = name
    raw = request.environ.get("RAW_URI")
    path = raw.split("?", 1)[0] if isinstance(raw, str) and raw.startswith("/") else request.path
    return f"{scheme}://{host}{path}"


class Authenticator:
    """Verifies requests and keeps the login audit trail."""

    def __init__(
        self,
        tba: TbaVerifier,
        oauth2: OAuth2Service,
        audit: LoginAuditTrail,
        clock: SandboxClock,
        account_id: str,
    ) -> None:
        self.tba = tba
        self.oauth2 = oauth2
        self.audit = audit
        self._clock = clock
        self._account_id = account_id

    def authenticate(self, request: Request) -> Principal:
        """Return the caller or raise the 401 :class:`ApiError`."""
        header = request.headers.get("Authorization", "")
        is_bearer = header[:7].lower() == "bearer "
        try:
            if is_bearer:
                principal = self.oauth2.verify_bearer(header[7:].strip())
            elif header:
                principal = self.tba.verify(
                    SignedRequest(
                        method=request.method,
                        base_uri=client_base_uri(request),
                        query=request.query_string.decode("latin-1"),
                        authorization=header,
                        content_type=request.headers.get("Content-Type", ""),
                        body=request.get_data(cache=True),
                    )
                )
            else:
                raise AuthFailure("MissingTokenPassportRequiredFields", "no Authorization header")
        except AuthFailure as failure:
            scheme = "OAuth2" if is_bearer else "TBA"
            self.fail(request, scheme, failure)
            raise self.login_error(is_bearer) from None
        self.audit.record(
            self._attempt(
                request,
                principal.scheme,
                "Success",
                "Success",
                "",
                principal.integration,
                principal.token,
            )
        )
        return principal

    def login_error(self, bearer: bool) -> ApiError:
        """The 401 answer (with the bearer challenge when a bearer token was used)."""
        if not bearer:
            return invalid_login()
        return invalid_login(
            f'Bearer realm="{self._account_id}", error="invalid_token", '
            'error_description="Invalid login attempt."'
        )

    def fail(self, request: Request, scheme: str, failure: AuthFailure) -> None:
        """Write a failed attempt to the audit trail."""
        self.audit.record(
            self._attempt(
                request,
                scheme,
                "Failure",
                failure.reason,
                failure.detail,
                failure.integration,
                failure.token,
            )
        )

    def token_endpoint(self, request: Request) -> Response:
        """``POST /services/rest/auth/oauth2/v1/token`` (form-urlencoded)."""
        if request.method != "POST":
            return json_response({"error": "invalid_request"}, 405, PLAIN_JSON)
        try:
            issued = self.oauth2.issue(request.form, client_base_uri(request))
        except TokenEndpointError as exc:
            self.audit.record(
                self._attempt(request, "OAuth2", "Failure", exc.reason, exc.detail, None, None)
            )
            response = json_response({"error": exc.error}, exc.status, PLAIN_JSON)
            if exc.status == 401:
                response.headers["WWW-Authenticate"] = f'Basic realm="{self._account_id}"'
            return response
        principal = issued.principal
        self.audit.record(
            self._attempt(
                request,
                "OAuth2",
                "Success",
                "TokenIssued",
                "client_credentials",
                principal.integration,
                principal.token,
            )
        )
        response = json_response(issued.as_json(), 200, PLAIN_JSON)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _attempt(
        self,
        request: Request,
        scheme: str,
        outcome: str,
        reason: str,
        detail: str,
        integration: str | None,
        token: str | None,
    ) -> LoginAttempt:
        return LoginAttempt(
            at=utc_stamp(self._clock.now()),
            scheme=scheme,
            outcome=outcome,
            reason=reason,
            detail=detail,
            integration=integration,
            token=token,
            ip=request.remote_addr,
            method=request.method,
            path=request.path,
        )
