"""SuiteQL over real HTTP: envelope, paging rules and error bodies (golden)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

ERROR_TYPE = "application/vnd.oracle.resource+json; type=error"
BAD_REQUEST = "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1"


def bad_param(detail: str, param: str) -> dict[str, Any]:
    return {
        "type": BAD_REQUEST,
        "title": "Bad Request",
        "status": 400,
        "o:errorDetails": [
            {"detail": detail, "o:errorQueryParam": param, "o:errorCode": "INVALID_PARAMETER"}
        ],
    }


def test_envelope_is_exactly_netsuites(ns: Any) -> None:
    response = ns.suiteql("SELECT id FROM customer ORDER BY id", limit=5)
    assert response.status_code == 200
    assert (
        response.headers["Content-Type"] == "application/vnd.oracle.resource+json; type=collection"
    )
    body = response.json()
    assert list(body) == ["links", "count", "hasMore", "items", "offset", "totalResults"]
    total = body["totalResults"]
    assert total == 25 and body["count"] == 5 and body["hasMore"] is True and body["offset"] == 0
    root = f"{ns.sb.rest_url}/query/v1/suiteql"
    assert body["links"] == [
        {"rel": "next", "href": f"{root}?limit=5&offset=5"},
        {"rel": "last", "href": f"{root}?limit=5&offset=20"},
        {"rel": "self", "href": f"{root}?limit=5&offset=0"},
    ]
    for item in body["items"]:
        assert list(item)[0] == "links" and item["links"] == []
        assert isinstance(item["id"], str)


def test_middle_and_last_pages_carry_prev_first_links(ns: Any) -> None:
    root = f"{ns.sb.rest_url}/query/v1/suiteql"
    middle = ns.suiteql("SELECT id FROM customer ORDER BY id", limit=5, offset=10).json()
    assert [link["rel"] for link in middle["links"]] == ["prev", "first", "next", "last", "self"]
    assert middle["links"][0]["href"] == f"{root}?limit=5&offset=5"
    last = ns.suiteql("SELECT id FROM customer ORDER BY id", limit=5, offset=20).json()
    assert last["links"] == [
        {"rel": "prev", "href": f"{root}?limit=5&offset=15"},
        {"rel": "first", "href": f"{root}?limit=5&offset=0"},
        {"rel": "self", "href": f"{root}?limit=5&offset=20"},
    ]
    assert last["hasMore"] is False and last["count"] == 5


def test_single_page_has_only_self_and_default_limit_1000(ns: Any) -> None:
    body = ns.suiteql("SELECT id FROM customer").json()
    assert body["links"] == [
        {"rel": "self", "href": f"{ns.sb.rest_url}/query/v1/suiteql?limit=1000&offset=0"}
    ]
    assert body["count"] == body["totalResults"] == 25 and body["hasMore"] is False


def test_paging_walks_every_row_once(ns: Any) -> None:
    seen: list[str] = []
    offset = 0
    while True:
        body = ns.suiteql("SELECT id FROM customer ORDER BY id", limit=7, offset=offset).json()
        seen += [item["id"] for item in body["items"]]
        if not body["hasMore"]:
            break
        offset += 7
    assert len(seen) == len(set(seen)) == 25


def test_bound_parameters(ns: Any) -> None:
    ids = [i["id"] for i in ns.suiteql("SELECT id FROM customer ORDER BY id").json()["items"]]
    body = ns.suiteql("SELECT id FROM customer WHERE id > ? ORDER BY id", [ids[19]]).json()
    assert [i["id"] for i in body["items"]] == ids[20:]


@pytest.mark.parametrize(
    ("params", "golden"),
    [
        (
            {"limit": "1001"},
            bad_param(
                "Invalid value for the query parameter 'limit': the value must be between 1 and "
                "1000.",
                "limit",
            ),
        ),
        (
            {"limit": "0"},
            bad_param(
                "Invalid value for the query parameter 'limit': the value must be between 1 and "
                "1000.",
                "limit",
            ),
        ),
        (
            {"limit": "ten"},
            bad_param(
                "Invalid value for the query parameter 'limit': 'ten' is not an integer.", "limit"
            ),
        ),
        (
            {"limit": "10", "offset": "15"},
            bad_param(
                "Invalid value for the query parameter 'offset': the offset must be divisible by "
                "the limit (offset=15, limit=10).",
                "offset",
            ),
        ),
        (
            {"limit": "1000", "offset": "100000"},
            bad_param(
                "Invalid value for the query parameter 'offset': results beyond the first 100000 "
                "rows (1000 pages) cannot be retrieved. Narrow the query and page again from "
                "offset 0.",
                "offset",
            ),
        ),
        (
            {"limit": "10", "offset": "10000"},
            bad_param(
                "Invalid value for the query parameter 'offset': results beyond the first 100000 "
                "rows (1000 pages) cannot be retrieved. Narrow the query and page again from "
                "offset 0.",
                "offset",
            ),
        ),
        (
            {"limit": "5", "offset": "-5"},
            bad_param(
                "Invalid value for the query parameter 'offset': the value must not be negative.",
                "offset",
            ),
        ),
    ],
)
def test_paging_rule_violations(ns: Any, params: dict[str, str], golden: dict[str, Any]) -> None:
    response = requests.post(
        f"{ns.sb.rest_url}/query/v1/suiteql",
        params=params,
        json={"q": "SELECT id FROM customer"},
        headers={"Prefer": "transient"},
        auth=ns.sb.oauth1(),
        timeout=30,
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == ERROR_TYPE
    assert response.json() == golden


def test_last_reachable_page_before_the_ceiling_is_served(ns: Any) -> None:
    response = ns.suiteql("SELECT id FROM customer", limit=1000, offset=99000)
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == [] and body["totalResults"] == 25 and body["hasMore"] is False


def test_prefer_transient_is_required(ns: Any) -> None:
    response = requests.post(
        f"{ns.sb.rest_url}/query/v1/suiteql",
        json={"q": "SELECT id FROM customer"},
        auth=ns.sb.oauth1(),
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": BAD_REQUEST,
        "title": "Bad Request",
        "status": 400,
        "o:errorDetails": [
            {
                "detail": "SuiteQL queries require the header 'Prefer: transient'.",
                "o:errorHeader": "Prefer",
                "o:errorCode": "INVALID_REQUEST",
            }
        ],
    }


def test_prefer_transient_strictness_is_configurable(make_sandbox: Any, http_for: Any) -> None:
    sandbox = make_sandbox(require_prefer_transient=False)
    response = requests.post(
        f"{sandbox.rest_url}/query/v1/suiteql",
        json={"q": "SELECT id FROM customer"},
        auth=sandbox.oauth1(),
        timeout=30,
    )
    assert response.status_code == 200 and response.json()["totalResults"] == 25


def test_get_is_not_allowed(ns: Any) -> None:
    response = ns.get("/query/v1/suiteql")
    assert response.status_code == 405
    assert response.json() == {
        "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.6",
        "title": "Method Not Allowed",
        "status": 405,
        "o:errorDetails": [
            {
                "detail": "The HTTP method GET is not allowed for this resource.",
                "o:errorCode": "INVALID_REQUEST",
            }
        ],
    }


@pytest.mark.parametrize(
    ("raw", "golden_detail"),
    [
        (
            b"{not json",
            {
                "detail": "The request could not be understood by the server due to malformed "
                "syntax.",
                "o:errorCode": "INVALID_REQUEST",
            },
        ),
        (
            b'{"query": "SELECT 1"}',
            {
                "detail": "The request body must be a JSON object with the SuiteQL query in 'q'.",
                "o:errorPath": "q",
                "o:errorCode": "INVALID_CONTENT",
            },
        ),
        (
            b'{"q": "SELECT id FROM customer WHERE id = ?", "params": {"a": 1}}',
            {
                "detail": "'params' must be an array of values bound to the ? placeholders.",
                "o:errorPath": "params",
                "o:errorCode": "INVALID_CONTENT",
            },
        ),
    ],
)
def test_malformed_bodies(ns: Any, raw: bytes, golden_detail: dict[str, str]) -> None:
    response = requests.post(
        f"{ns.sb.rest_url}/query/v1/suiteql",
        data=raw,
        headers={"Prefer": "transient", "Content-Type": "application/json"},
        auth=ns.sb.oauth1(),
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": BAD_REQUEST,
        "title": "Bad Request",
        "status": 400,
        "o:errorDetails": [golden_detail],
    }


def test_unknown_identifier_surfaces_the_store_error_in_netsuites_envelope(ns: Any) -> None:
    response = ns.suiteql("SELECT t.subsidiary FROM transaction t")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == ERROR_TYPE
    body = response.json()
    assert body["type"] == BAD_REQUEST and body["title"] == "Bad Request"
    [detail] = body["o:errorDetails"]
    assert detail["o:errorCode"] == "INVALID_PARAMETER"
    assert detail["o:errorQueryParam"] == "q"
    assert detail["detail"].startswith("Invalid search query.")
    assert "subsidiary" in detail["detail"]
