"""The PyPI ``netsuite`` client (jacobsvante/netsuite; authlib signer) against the emulator.

It has no base-URL setting, so each call passes ``url=`` (its per-call override) pointing at the
sandbox on loopback; the signature covers that URL, exactly as it would cover the real host.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest

# The package passes its JSON body as httpx ``data=`` and authlib announces an httpx rename;
# both are deprecation notices about third-party code, not about the emulator.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The httpx module is deprecated"),
]


@pytest.fixture(scope="module")
def netsuite_api(shared_sandbox: Any) -> Any:
    with warnings.catch_warnings():  # authlib announces a future httpx module rename on import
        warnings.simplefilter("ignore")
        from netsuite import Config, TokenAuth
        from netsuite.rest_api import NetSuiteRestApi
    config = Config(account=shared_sandbox.account_id, auth=TokenAuth(**shared_sandbox.credentials))
    return NetSuiteRestApi(config, concurrent_requests=2)


def test_client_builds_the_host_slug_we_accept(netsuite_api: Any) -> None:
    assert netsuite_api.hostname == "1234567-sb1.suitetalk.api.netsuite.com"


def test_suiteql_pages_through_the_package_client(netsuite_api: Any, shared_sandbox: Any) -> None:
    url = f"{shared_sandbox.rest_url}/query/v1/suiteql"

    async def run() -> list[dict[str, Any]]:
        pages = []
        offset = 0
        while True:
            page = await netsuite_api.suiteql(
                "SELECT id, entityid FROM customer ORDER BY id", limit=10, offset=offset, url=url
            )
            pages.append(page)
            if not page["hasMore"]:
                return pages
            offset += 10

    pages = asyncio.run(run())
    assert [p["count"] for p in pages] == [10, 10, 5]
    assert all(item["links"] == [] for p in pages for item in p["items"])
    trail = shared_sandbox.audit_trail(3)
    assert all(row["outcome"] == "Success" and row["scheme"] == "TBA" for row in trail)


def test_record_get_and_error_through_the_package_client(
    netsuite_api: Any, shared_sandbox: Any
) -> None:
    from netsuite.exceptions import NetsuiteAPIRequestError

    root = f"{shared_sandbox.rest_url}/record/v1"

    async def run() -> tuple[dict[str, Any], Any]:
        listing = await netsuite_api.get(
            "/record/v1/customer", url=f"{root}/customer", params={"limit": 1}
        )
        customer = await netsuite_api.get("", url=listing["items"][0]["links"][0]["href"])
        try:
            await netsuite_api.get("", url=f"{root}/customer/987654321")
        except NetsuiteAPIRequestError as exc:
            return customer, exc
        raise AssertionError("a missing record must fail")

    customer, error = asyncio.run(run())
    assert customer["links"][0]["rel"] == "self"
    assert error.status_code == 404 and "NONEXISTENT_ID" in error.response_text


def test_wrong_secret_through_the_package_client(shared_sandbox: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from netsuite import Config, TokenAuth
        from netsuite.exceptions import NetsuiteAPIRequestError
        from netsuite.rest_api import NetSuiteRestApi
    bad = {**shared_sandbox.credentials, "token_secret": "0" * 64}
    api = NetSuiteRestApi(Config(account=shared_sandbox.account_id, auth=TokenAuth(**bad)))

    async def run() -> Any:
        try:
            await api.suiteql(
                "SELECT id FROM customer", url=f"{shared_sandbox.rest_url}/query/v1/suiteql"
            )
        except NetsuiteAPIRequestError as exc:
            return exc
        raise AssertionError("a wrong secret must fail")

    error = asyncio.run(run())
    assert error.status_code == 401 and "INVALID_LOGIN" in error.response_text
    assert shared_sandbox.audit_trail(1, failures_only=True)[0]["reason"] == "InvalidSignature"
