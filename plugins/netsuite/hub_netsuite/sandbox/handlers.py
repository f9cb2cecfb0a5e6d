"""Handlers of the emulated NetSuite resources: record service, SuiteQL and system endpoints."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from hub_netsuite.sandbox.clock import SandboxClock
from hub_netsuite.sandbox.envelopes import (
    COLLECTION_TYPE,
    PLAIN_JSON,
    SINGULAR_TYPE,
    ApiError,
    ErrorDetail,
    json_response,
    malformed_request,
)
from hub_netsuite.sandbox.governance import Governance
from hub_netsuite.sandbox.paging import parse_page, record_collection, suiteql_collection
from hub_netsuite.sandbox.store import RecordError, SandboxStore, SuiteQLError

RECORD_TYPES = ("customer", "contact", "invoice", "customerPayment", "creditMemo")
_BY_LOWER = {name.lower(): name for name in RECORD_TYPES}
PATCHABLE = ("customer", "contact")


def store_error(exc: SuiteQLError | RecordError) -> ApiError:
    """The envelope for an error raised by the store."""
    detail = ErrorDetail(
        code=exc.code,
        detail=exc.detail,
        query_param=getattr(exc, "query_param", None),
        path=getattr(exc, "path", None) or getattr(exc, "error_path", None),
    )
    return ApiError(exc.status, detail)


def method_not_allowed(method: str, allowed: str) -> ApiError:
    """405 for a method the emulated resource does not serve."""
    return ApiError(
        405,
        ErrorDetail(
            "INVALID_REQUEST", f"The HTTP method {method} is not allowed for this resource."
        ),
        headers={"Allow": allowed},
    )


def service_root(request: Request) -> str:
    """``scheme://host[:port]/services/rest`` as the client addressed us (for links)."""
    return f"{request.scheme}://{request.host}/services/rest"


def _absolute_links(value: Any, root: str) -> Any:
    """Prefix root-relative ``href`` values produced by the store with our base URL."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "href" and isinstance(item, str) and item.startswith("/"):
                out[key] = root.rsplit("/services/rest", 1)[0] + item
            else:
                out[key] = _absolute_links(item, root)
        return out
    if isinstance(value, list):
        return [_absolute_links(item, root) for item in value]
    return value


def _flag(request: Request, name: str) -> bool:
    return request.args.get(name, "").strip().lower() == "true"


class ServiceHandlers:
    """Answers authenticated requests from the store's data."""

    def __init__(
        self,
        store: SandboxStore,
        governance: Governance,
        clock: SandboxClock,
        *,
        require_prefer_transient: bool = True,
    ) -> None:
        self.store = store
        self.governance = governance
        self.clock = clock
        self.require_prefer_transient = require_prefer_transient

    # -- record service ----------------------------------------------------------------------
    def record_type(self, raw: str) -> str:
        """The canonical record type name, or 400 for one the sandbox does not hold."""
        name = _BY_LOWER.get(raw.lower())
        if name is None:
            raise ApiError(
                400,
                ErrorDetail(
                    "INVALID_PARAMETER",
                    f"Invalid record type: {raw}. The record type does not exist or is not "
                    "available through REST web services.",
                    url_path=raw,
                ),
            )
        return name

    def record_collection(self, request: Request, raw_type: str) -> Response:
        """``GET /record/v1/{type}``: ids + self links, paged."""
        if request.method != "GET":
            raise method_not_allowed(request.method, "GET")
        record_type = self.record_type(raw_type)
        page = parse_page(request.args)
        q = request.args.get("q")
        try:
            ids, total = self.store.list_ids(record_type, q=q, limit=page.limit, offset=page.offset)
        except (RecordError, SuiteQLError) as exc:
            raise store_error(exc) from None
        href = f"{service_root(request)}/record/v1/{record_type}"
        items = [{"links": [{"rel": "self", "href": f"{href}/{i}"}], "id": str(i)} for i in ids]
        extra = [("q", q)] if q else []
        body = record_collection(href, page, items, total, extra)
        return json_response(body, 200, COLLECTION_TYPE)

    def record_item(self, request: Request, raw_type: str, record_id: str) -> Response:
        """``GET`` (and ``PATCH`` for customer/contact) ``/record/v1/{type}/{id}``."""
        record_type = self.record_type(raw_type)
        if request.method == "GET":
            return self._get_record(request, record_type, record_id)
        if request.method == "PATCH" and record_type in PATCHABLE:
            return self._patch_record(request, record_type, record_id)
        allowed = "GET, PATCH" if record_type in PATCHABLE else "GET"
        raise method_not_allowed(request.method, allowed)

    def _get_record(self, request: Request, record_type: str, record_id: str) -> Response:
        raw_fields = request.args.get("fields")
        fields = [f.strip() for f in raw_fields.split(",") if f.strip()] if raw_fields else None
        try:
            body = self.store.get_record(
                record_type,
                record_id,
                expand_sub_resources=_flag(request, "expandSubResources"),
                fields=fields,
            )
        except (RecordError, SuiteQLError) as exc:
            raise store_error(exc) from None
        root = service_root(request)
        self_link = {"rel": "self", "href": f"{root}/record/v1/{record_type}/{record_id}"}
        document = {"links": [self_link], **_absolute_links(body, root)}
        return json_response(document, 200, SINGULAR_TYPE)

    def _patch_record(self, request: Request, record_type: str, record_id: str) -> Response:
        payload = _json_body(request)
        if not isinstance(payload, dict):
            raise malformed_request("The request body must be a JSON object.")
        try:
            self.store.patch_record(record_type, record_id, payload)
        except (RecordError, SuiteQLError) as exc:
            raise store_error(exc) from None
        location = f"{service_root(request)}/record/v1/{record_type}/{record_id}"
        response = Response(status=204)
        response.headers["Location"] = location
        return response

    # -- SuiteQL -----------------------------------------------------------------------------
    def suiteql(self, request: Request) -> Response:
        """``POST /query/v1/suiteql?limit=&offset=`` with ``{"q": ..., "params": [...]}``."""
        if request.method != "POST":
            raise method_not_allowed(request.method, "POST")
        prefer = request.headers.get("Prefer", "")
        if self.require_prefer_transient and "transient" not in prefer.lower():
            raise ApiError(
                400,
                ErrorDetail(
                    "INVALID_REQUEST",
                    "SuiteQL queries require the header 'Prefer: transient'.",
                    header="Prefer",
                ),
            )
        page = parse_page(request.args)
        payload = _json_body(request)
        if not isinstance(payload, dict) or not isinstance(payload.get("q"), str):
            raise ApiError(
                400,
                ErrorDetail(
                    "INVALID_CONTENT",
                    "The request body must be a JSON object with the SuiteQL query in 'q'.",
                    path="q",
                ),
            )
        params = payload.get("params")
        if params is not None and (
            not isinstance(params, list)
            or not all(isinstance(p, str | int | float | bool) for p in params)
        ):
            raise ApiError(
                400,
                ErrorDetail(
                    "INVALID_CONTENT",
                    "'params' must be an array of values bound to the ? placeholders.",
                    path="params",
                ),
            )
        try:
            result = self.store.suiteql(payload["q"], params, limit=page.limit, offset=page.offset)
        except (SuiteQLError, RecordError) as exc:
            raise store_error(exc) from None
        href = f"{service_root(request)}/query/v1/suiteql"
        body = suiteql_collection(href, page, result.items, result.total_results)
        return json_response(body, 200, COLLECTION_TYPE)

    # -- system ------------------------------------------------------------------------------
    def governance_limits(self, request: Request) -> Response:
        """``GET /system/v1/governanceLimits``: no integration-specific allocation."""
        if request.method != "GET":
            raise method_not_allowed(request.method, "GET")
        limit = self.governance.settings.concurrency_limit
        body = {
            "accountConcurrencyLimit": limit,
            "accountUnallocatedConcurrencyLimit": limit,
            "integrationConcurrencyLimit": limit,
            "integrationLimitType": "accountLimit",
        }
        return json_response(body, 200, PLAIN_JSON)

    def server_time(self, request: Request) -> Response:
        """``GET /system/v1/serverTime``."""
        if request.method != "GET":
            raise method_not_allowed(request.method, "GET")
        now = self.clock.now_utc().replace(microsecond=0)
        return json_response({"serverTime": now.strftime("%Y-%m-%dT%H:%M:%SZ")}, 200, PLAIN_JSON)


def _json_body(request: Request) -> Any:
    raw = request.get_data(cache=True)
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise malformed_request() from None
