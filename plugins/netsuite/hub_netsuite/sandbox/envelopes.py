"""NetSuite's JSON bodies: the ``o:errorDetails`` error envelope, media types and JSON responses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

SINGULAR_TYPE = "application/vnd.oracle.resource+json; type=singular"
COLLECTION_TYPE = "application/vnd.oracle.resource+json; type=collection"
#: UNCONFIRMED: Oracle documents only ``type=singular``; ``type=error`` is the likely sibling.
ERROR_TYPE = "application/vnd.oracle.resource+json; type=error"
PLAIN_JSON = "application/json"

_RFC9110 = "https://www.rfc-editor.org/rfc/rfc9110.html"
_RFC2616 = "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"
#: ``type`` URIs of recent live captures (RFC 9110 anchors); 429 keeps Oracle's documented URI.
_TYPE_URIS = {
    400: f"{_RFC9110}#section-15.5.1",
    401: f"{_RFC9110}#section-15.5.2",
    403: f"{_RFC9110}#section-15.5.4",
    404: f"{_RFC9110}#section-15.5.5",
    405: f"{_RFC9110}#section-15.5.6",
    415: f"{_RFC9110}#section-15.5.16",
    429: _RFC2616,
    500: f"{_RFC9110}#section-15.6.1",
}
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
    429: "Bad Request",  # sic: Oracle's documented 429 body says "Bad Request"
    500: "Internal Server Error",
}

INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)
CONCURRENCY_DETAIL = "Concurrent request limit exceeded. Request blocked."
MALFORMED_DETAIL = "The request could not be understood by the server due to malformed syntax."


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of ``o:errorDetails``; at most one locator (query param, JSON path, header, URL)."""

    code: str
    detail: str
    query_param: str | None = None
    path: str | None = None
    header: str | None = None
    url_path: str | None = None

    def as_json(self) -> dict[str, str]:
        """The entry as NetSuite prints it."""
        body = {"detail": self.detail}
        if self.query_param is not None:
            body["o:errorQueryParam"] = self.query_param
        if self.path is not None:
            body["o:errorPath"] = self.path
        if self.header is not None:
            body["o:errorHeader"] = self.header
        if self.url_path is not None:
            body["o:urlPath"] = self.url_path
        body["o:errorCode"] = self.code
        return body


class ApiError(Exception):
    """Raised by handlers to answer with NetSuite's error envelope."""

    def __init__(
        self, status: int, *details: ErrorDetail, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(", ".join(d.code for d in details))
        self.status = status
        self.details = details
        self.headers = dict(headers or {})


def error_body(status: int, details: tuple[ErrorDetail, ...]) -> dict[str, Any]:
    """The envelope ``{type, title, status, o:errorDetails}`` for ``status``."""
    return {
        "type": _TYPE_URIS.get(status, _RFC9110),
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "o:errorDetails": [d.as_json() for d in details],
    }


def json_response(
    body: Any, status: int = 200, content_type: str = PLAIN_JSON, **headers: str
) -> Response:
    """A response whose body is ``body`` serialised compactly as JSON."""
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    response = Response(payload, status=status, content_type=content_type)
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def error_response(error: ApiError) -> Response:
    """The HTTP response for ``error``."""
    response = json_response(error_body(error.status, error.details), error.status, ERROR_TYPE)
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def invalid_login(www_authenticate: str | None = None) -> ApiError:
    """The single 401 every authentication failure gets."""
    headers = {"WWW-Authenticate": www_authenticate} if www_authenticate else None
    return ApiError(401, ErrorDetail("INVALID_LOGIN", INVALID_LOGIN_DETAIL), headers=headers)


def concurrency_exceeded_response() -> Response:
    """Oracle's documented 429 body: odd title, extra top-level ``o:errorCode``, no Retry-After."""
    body = {
        "type": _RFC2616,
        "title": "Bad Request",
        "status": 429,
        "o:errorCode": "USER_ERROR",
        "o:errorDetails": [
            {"detail": CONCURRENCY_DETAIL, "o:errorCode": "CONCURRENCY_LIMIT_EXCEEDED"}
        ],
    }
    return json_response(body, 429, ERROR_TYPE)


def unexpected_error(error_id: str) -> ApiError:
    """500 UNEXPECTED_ERROR carrying a NetSuite-style Error ID."""
    detail = f"An unexpected error occurred. Error ID: {error_id}"
    return ApiError(500, ErrorDetail("UNEXPECTED_ERROR", detail))


def malformed_request(detail: str = MALFORMED_DETAIL, **where: str) -> ApiError:
    """400 INVALID_REQUEST (unparseable body and similar)."""
    return ApiError(400, ErrorDetail("INVALID_REQUEST", detail, **where))


def invalid_parameter(detail: str, query_param: str) -> ApiError:
    """400 INVALID_PARAMETER pointing at a URL query parameter."""
    return ApiError(400, ErrorDetail("INVALID_PARAMETER", detail, query_param=query_param))
