"""Record service over real HTTP: list envelopes, paging, single GET, PATCH and error bodies."""

from __future__ import annotations

from typing import Any

import pytest
import requests

SINGULAR = "application/vnd.oracle.resource+json; type=singular"
COLLECTION = "application/vnd.oracle.resource+json; type=collection"
ERROR_TYPE = "application/vnd.oracle.resource+json; type=error"


def _ids(ns: Any, table: str, where: str = "") -> list[str]:
    body = ns.suiteql(f"SELECT id FROM {table} {where} ORDER BY id").json()
    return [item["id"] for item in body["items"]]


def test_list_returns_ids_and_self_links_only(ns: Any) -> None:
    response = ns.get("/record/v1/customer", params={"limit": "10"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == COLLECTION
    body = response.json()
    root = f"{ns.sb.rest_url}/record/v1/customer"
    assert list(body) == ["links", "items", "count", "offset", "hasMore", "totalResults"]
    assert body["links"] == [
        {"rel": "next", "href": f"{root}?limit=10&offset=10"},
        {"rel": "last", "href": f"{root}?limit=10&offset=20"},
        {"rel": "self", "href": f"{root}?limit=10&offset=0"},
    ]
    assert body["count"] == 10 and body["offset"] == 0 and body["hasMore"] is True
    assert body["totalResults"] == 25
    for item in body["items"]:
        assert item == {
            "links": [{"rel": "self", "href": f"{root}/{item['id']}"}],
            "id": item["id"],
        }


def test_list_pages_cover_the_table_and_last_page_links(ns: Any) -> None:
    root = f"{ns.sb.rest_url}/record/v1/customer"
    collected: list[str] = []
    for offset in (0, 10, 20):
        body = ns.get("/record/v1/customer", params={"limit": 10, "offset": offset}).json()
        collected += [item["id"] for item in body["items"]]
    assert sorted(collected, key=int) == _ids(ns, "customer")
    assert body["links"] == [
        {"rel": "prev", "href": f"{root}?limit=10&offset=10"},
        {"rel": "first", "href": f"{root}?limit=10&offset=0"},
        {"rel": "self", "href": f"{root}?limit=10&offset=20"},
    ]
    assert body["hasMore"] is False and body["count"] == 5


def test_default_page_is_1000_and_self_link_says_so(ns: Any) -> None:
    body = ns.get("/record/v1/contact").json()
    assert body["links"][-1]["href"].endswith("/record/v1/contact?limit=1000&offset=0")
    assert body["count"] == body["totalResults"]


@pytest.mark.parametrize(
    "record_type", ["customer", "contact", "invoice", "customerPayment", "creditMemo"]
)
def test_every_record_type_lists(ns: Any, record_type: str) -> None:
    response = ns.get(f"/record/v1/{record_type}", params={"limit": 1})
    assert response.status_code == 200
    assert response.json()["totalResults"] >= 0


@pytest.mark.parametrize(
    ("params", "param", "detail"),
    [
        (
            {"limit": 2000},
            "limit",
            "Invalid value for the query parameter 'limit': the value must be between 1 and 1000.",
        ),
        (
            {"limit": 10, "offset": 5},
            "offset",
            "Invalid value for the query parameter 'offset': the offset must be divisible by the "
            "limit (offset=5, limit=10).",
        ),
        (
            {"limit": 100, "offset": 100000},
            "offset",
            "Invalid value for the query parameter 'offset': results beyond the first 100000 rows "
            "(1000 pages) cannot be retrieved. Narrow the query and page again from offset 0.",
        ),
    ],
)
def test_list_paging_errors(ns: Any, params: dict[str, int], param: str, detail: str) -> None:
    response = ns.get("/record/v1/invoice", params=params)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == ERROR_TYPE
    assert response.json() == {
        "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
        "title": "Bad Request",
        "status": 400,
        "o:errorDetails": [
            {"detail": detail, "o:errorQueryParam": param, "o:errorCode": "INVALID_PARAMETER"}
        ],
    }


def test_q_filter_is_signed_applied_and_kept_in_links(ns: Any) -> None:
    ids = _ids(ns, "customer")
    q = f"id ANY_OF [{ids[0]}, {ids[1]}, {ids[2]}]"
    body = ns.get("/record/v1/customer", params={"q": q, "limit": 2}).json()
    assert body["totalResults"] == 3
    assert [item["id"] for item in body["items"]] == ids[:2]
    next_link = body["links"][0]
    assert next_link["rel"] == "next" and "q=id+ANY_OF" in next_link["href"]
    again = requests.get(next_link["href"], auth=ns.sb.oauth1(), timeout=30).json()
    assert [item["id"] for item in again["items"]] == [ids[2]]


def test_single_record_has_self_link_camel_case_and_singular_type(ns: Any) -> None:
    customer_id = _ids(ns, "customer")[0]
    response = ns.get(f"/record/v1/customer/{customer_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == SINGULAR
    body = response.json()
    assert body["links"] == [
        {"rel": "self", "href": f"{ns.sb.rest_url}/record/v1/customer/{customer_id}"}
    ]
    assert body["id"] == customer_id
    assert "lastModifiedDate" in body and body["lastModifiedDate"].endswith("Z")


def test_invoice_get_with_expanded_sublists(ns: Any) -> None:
    invoice_id = _ids(ns, "transaction", "WHERE type = 'CustInvc'")[0]
    body = ns.get(f"/record/v1/invoice/{invoice_id}", params={"expandSubResources": "true"}).json()
    assert body["id"] == invoice_id
    hrefs: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("href"), str):
                hrefs.append(value["href"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)
    assert hrefs and all(h.startswith(ns.sb.base_url + "/services/rest/") for h in hrefs)


def test_missing_record_is_404_nonexistent_id(ns: Any) -> None:
    response = ns.get("/record/v1/customer/987654321")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == ERROR_TYPE
    body = response.json()
    assert body["type"] == "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5"
    assert body["title"] == "Not Found" and body["status"] == 404
    [detail] = body["o:errorDetails"]
    assert detail["o:errorCode"] == "NONEXISTENT_ID"


def test_unknown_record_type_and_unknown_path(ns: Any) -> None:
    response = ns.get("/record/v1/salesOrderish")
    assert response.status_code == 400
    assert response.json()["o:errorDetails"] == [
        {
            "detail": "Invalid record type: salesOrderish. The record type does not exist or is "
            "not available through REST web services.",
            "o:urlPath": "salesOrderish",
            "o:errorCode": "INVALID_PARAMETER",
        }
    ]
    missing = ns.get("/nothing/v1/here")
    assert missing.status_code == 404
    assert missing.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_REQUEST"


def test_patch_customer_returns_204_and_bumps_last_modified(
    make_sandbox: Any, http_for: Any
) -> None:
    sandbox = make_sandbox()
    ns = http_for(sandbox)
    customer_id = _ids(ns, "customer")[0]
    before = ns.get(f"/record/v1/customer/{customer_id}").json()
    response = requests.patch(
        f"{sandbox.rest_url}/record/v1/customer/{customer_id}",
        json={"email": "ap@patched.example"},
        auth=sandbox.oauth1(),
        timeout=30,
    )
    assert response.status_code == 204 and response.content == b""
    assert response.headers["Location"].endswith(f"/record/v1/customer/{customer_id}")
    after = ns.get(f"/record/v1/customer/{customer_id}").json()
    assert after["email"] == "ap@patched.example"
    assert after["lastModifiedDate"] >= before["lastModifiedDate"]


def test_patch_is_refused_on_invoices(ns: Any) -> None:
    invoice_id = _ids(ns, "transaction", "WHERE type = 'CustInvc'")[0]
    response = requests.patch(
        f"{ns.sb.rest_url}/record/v1/invoice/{invoice_id}",
        json={"memo": "x"},
        auth=ns.sb.oauth1(),
        timeout=30,
    )
    assert response.status_code == 405 and response.headers["Allow"] == "GET"
