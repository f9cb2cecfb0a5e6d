"""The NetSuite HTTP client: signing, budget slots, counting, retries and error mapping.

Every attempt (token requests included) holds a slot of the hub's request budget
(``context.request_slot()``, counted per run) and of the in-process per-account semaphore.
429, 5xx and network failures are retried with exponential backoff and full jitter; a 401 is
retried a few times with a fresh signature (NetSuite answers slow 401s under load) before it is
reported as bad credentials. 400s are never retried.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from hub import ConnectorContext
from hub_netsuite.connector.auth import OAuth2M2MAuth, TbaAuth
from hub_netsuite.connector.config import NetSuiteConfig
from hub_netsuite.connector.errors import (
    ConcurrencyExhausted,
    InvalidLogin,
    NotFound,
    QueryRefused,
    ServerError,
    Unreachable,
    error_details,
)
from hub_netsuite.connector.governance import account_slot, backoff_delay

SUITEQL_PATH = "/query/v1/suiteql"
#: Fresh-signature retries of a 401 before it counts as bad credentials.
AUTH_RETRIES = 2
#: Retries of a connection that could not be opened at all (the host is probably wrong).
CONNECT_RETRIES = 2


@dataclass
class SuiteQLPage:
    """One page of SuiteQL rows (keys lower case, ``links`` dropped, values strings)."""

    items: list[dict[str, str]]
    has_more: bool
    total: int | None


@dataclass
class Outcome:
    """The last failure seen, for diagnosis: HTTP status, NetSuite code and detail."""

    status: int | None = None
    code: str = ""
    detail: str = ""
    date_header: str | None = None


class NetSuiteClient:
    """Talks to one NetSuite account on behalf of one connector instance."""

    def __init__(
        self,
        config: NetSuiteConfig,
        context: ConnectorContext,
        *,
        budget_key: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.context = context
        self.budget_key = budget_key
        self.log: logging.Logger = context.logger
        self._sleep = sleep
        self._session = requests.Session()
        self.attempts = 0
        self.last_failure = Outcome()
        self.auth: TbaAuth | OAuth2M2MAuth = (
            TbaAuth(config) if config.auth == "tba" else OAuth2M2MAuth(config, self._send)
        )

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()

    # -- transport ------------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        token_request: bool = False,
        max_retries: int | None = None,
    ) -> requests.Response:
        """Send with retries; return the final response (any status except retryable ones)."""
        retries = self.config.max_retries if max_retries is None else max_retries
        auth_failures = 0
        connect_failures = 0
        attempt = 0
        while True:
            response: requests.Response | None = None
            error: Exception | None = None
            with account_slot(self.budget_key, self.config.concurrency):
                with self.context.request_slot():
                    self.attempts += 1
                    try:
                        response = self._session.request(
                            method,
                            url,
                            params=params,
                            json=json,
                            data=data,
                            headers=dict(headers or {}),
                            auth=None if token_request else self.auth,
                            timeout=(10, self.config.timeout_seconds),
                        )
                    except requests.ConnectionError as exc:
                        error = exc
                        connect_failures += 1
                    except requests.Timeout as exc:
                        error = exc
            retry_reason = self._retry_reason(response, error, token_request)
            if retry_reason is None:
                assert response is not None
                return response
            if response is not None:
                self._remember(response)
                if response.status_code == 401:
                    auth_failures += 1
                    if auth_failures > AUTH_RETRIES:
                        return response
                    if not token_request:
                        self.auth.invalidate()
            exhausted = attempt >= retries or (
                error is not None
                and isinstance(error, requests.ConnectionError)
                and connect_failures > min(CONNECT_RETRIES, retries)
            )
            if exhausted:
                if response is not None:
                    return response
                raise Unreachable(
                    f"cannot reach NetSuite at {self.config.base_url} ({type(error).__name__})"
                ) from None
            delay = backoff_delay(attempt, self.config.retry_base_seconds)
            self.log.info(
                "NetSuite %s; retrying in %.2fs (attempt %d)", retry_reason, delay, attempt + 1
            )
            self._sleep(delay)
            attempt += 1

    @staticmethod
    def _retry_reason(
        response: requests.Response | None, error: Exception | None, token_request: bool
    ) -> str | None:
        if error is not None:
            return type(error).__name__
        assert response is not None
        status = response.status_code
        # The token endpoint's 401 invalid_client is definite; resource 401s may be slow 401s.
        if status == 429 or status >= 500 or (status == 401 and not token_request):
            return f"HTTP {status}"
        return None

    def _remember(self, response: requests.Response) -> None:
        code, detail = error_details(_json(response))
        self.last_failure = Outcome(
            response.status_code, code, detail, response.headers.get("Date")
        )
        self.log.warning(
            "NetSuite answered HTTP %s %s %s", response.status_code, code, detail[:300]
        )

    # -- typed calls ----------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
    ) -> requests.Response:
        """Call ``<rest_url><path>``; return a 2xx response or raise the mapped error."""
        response = self._send(
            method,
            f"{self.config.rest_url}{path}",
            params=params,
            json=json,
            headers=headers,
            max_retries=max_retries,
        )
        if response.status_code < 300:
            return response
        self._remember(response)
        raise self._error(response)

    def _error(self, response: requests.Response) -> Exception:
        status = response.status_code
        code, detail = error_details(_json(response))
        if status == 401:
            return InvalidLogin(
                "NetSuite refused the login (401 INVALID_LOGIN) after retrying with fresh "
                "signatures"
            )
        if status == 429:
            return ConcurrencyExhausted(
                "NetSuite's concurrency limit stayed exhausted through every retry "
                "(429 CONCURRENCY_LIMIT_EXCEEDED)"
            )
        if status >= 500:
            return ServerError(f"NetSuite failed with HTTP {status} {code}: {detail}")
        if status == 404:
            return NotFound(f"NetSuite: {detail or 'record does not exist'}")
        return QueryRefused(code or f"HTTP_{status}", detail, status=status)

    def suiteql(
        self,
        query: str,
        params: Sequence[Any] = (),
        *,
        limit: int | None = None,
        offset: int = 0,
        max_retries: int | None = None,
    ) -> SuiteQLPage:
        """Run one page of a SuiteQL query (``Prefer: transient``; ``?`` parameters as strings)."""
        body: dict[str, Any] = {"q": query}
        if params:
            body["params"] = [str(p) for p in params]
        response = self.request(
            "POST",
            SUITEQL_PATH,
            params={"limit": limit or self.config.page_size, "offset": offset},
            json=body,
            headers={"Prefer": "transient"},
            max_retries=max_retries,
        )
        payload = response.json()
        items = [normalise_row(item) for item in payload.get("items", [])]
        total = payload.get("totalResults")
        return SuiteQLPage(items, bool(payload.get("hasMore")), int(total) if total else None)

    def suiteql_all(self, query: str, params: Sequence[Any] = ()) -> list[dict[str, str]]:
        """Every row of a query known to be small (well under 100,000 rows), offset-paged."""
        rows: list[dict[str, str]] = []
        offset = 0
        while True:
            page = self.suiteql(query, params, offset=offset)
            rows.extend(page.items)
            if not page.has_more or not page.items:
                return rows
            offset += self.config.page_size


def normalise_row(item: Mapping[str, Any]) -> dict[str, str]:
    """Lower-case keys, drop ``links`` and empty values (a missing key means NULL)."""
    row: dict[str, str] = {}
    for key, value in item.items():
        name = key.lower()
        if name == "links" or value is None or value == "":
            continue
        row[name] = value if isinstance(value, str) else str(value)
    return row


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
