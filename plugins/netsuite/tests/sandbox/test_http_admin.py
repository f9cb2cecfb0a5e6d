"""Admin API over real HTTP: auth, mutations visible through SuiteQL, credentials, webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests


class Receiver:
    """A loopback HTTP server recording webhook callouts."""

    def __init__(self, status: int = 200) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        calls, code = self.calls, status

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                calls.append((dict(self.headers), body))
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def admin(sandbox: Any, method: str, path: str, body: Any = None, **params: str) -> Any:
    response = requests.request(
        method,
        f"{sandbox.base_url}/sandbox/{path}",
        json=body,
        params=params,
        headers={"X-Sandbox-Admin-Token": sandbox.admin_token},
        timeout=30,
    )
    return response


def suiteql_items(sandbox: Any, q: str) -> list[dict[str, str]]:
    response = requests.post(
        f"{sandbox.rest_url}/query/v1/suiteql",
        json={"q": q},
        headers={"Prefer": "transient"},
        auth=sandbox.oauth1(),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_admin_requires_its_token(shared_sandbox: Any) -> None:
    response = requests.get(f"{shared_sandbox.base_url}/sandbox/counters", timeout=30)
    assert response.status_code == 401
    wrong = requests.get(
        f"{shared_sandbox.base_url}/sandbox/counters",
        headers={"X-Sandbox-Admin-Token": "nope"},
        timeout=30,
    )
    assert wrong.status_code == 401
    assert admin(shared_sandbox, "GET", "nowhere").status_code == 404


def test_admin_calls_are_not_governed(make_sandbox: Any) -> None:
    sandbox = make_sandbox(fault_rate=1.0)
    for _ in range(3):
        assert admin(sandbox, "GET", "counters").status_code == 200
    assert sandbox.counters()["total_requests"] == 0


def test_mutations_move_the_account_and_fire_the_webhook(
    make_sandbox: Any, receiver: Receiver
) -> None:
    sandbox = make_sandbox(webhook_url=receiver.url, webhook_secret="s3cret")
    customer = suiteql_items(sandbox, "SELECT id FROM customer ORDER BY id")[0]["id"]

    created = admin(
        sandbox,
        "POST",
        "mutations/create_invoice",
        {
            "customer_id": customer,
            "lines": [{"amount": "100.00"}, {"amount": "50.00"}],
            "trandate": "2026-01-05",
            "duedate": "2026-02-04",
        },
    )
    assert created.status_code == 200, created.text
    invoice_id = created.json()["id"]
    [row] = suiteql_items(
        sandbox,
        f"SELECT foreigntotal, foreignamountunpaid FROM transaction WHERE id = {invoice_id}",
    )
    assert row["foreigntotal"] in ("150", "150.00", "150.0")

    paid = admin(
        sandbox,
        "POST",
        "mutations/record_payment",
        {
            "customer_id": customer,
            "amount": "60.00",
            "applications": {invoice_id: "60.00"},
        },
    )
    assert paid.status_code == 200, paid.text
    [row] = suiteql_items(
        sandbox, f"SELECT foreignamountunpaid FROM transaction WHERE id = {invoice_id}"
    )
    assert row["foreignamountunpaid"] in ("90", "90.00", "90.0")

    refused = admin(sandbox, "POST", "mutations/void_invoice", {"id": invoice_id})
    assert refused.status_code == 400 and refused.json()["error"]  # it has a payment applied
    second = admin(
        sandbox,
        "POST",
        "mutations/create_invoice",
        {"customer_id": customer, "lines": [{"amount": "20.00"}]},
    ).json()["id"]
    assert admin(sandbox, "POST", "mutations/void_invoice", {"id": second}).status_code == 200
    [row] = suiteql_items(sandbox, f"SELECT status, voided FROM transaction WHERE id = {second}")
    assert row["voided"] == "T"
    assert (
        admin(
            sandbox,
            "POST",
            "mutations/update_customer",
            {"id": customer, "fields": {"email": "new@example.com"}},
        ).status_code
        == 200
    )

    payloads = [json.loads(body) for _, body in receiver.calls]
    assert {"type": "invoice", "id": invoice_id, "event": "create"}.items() <= payloads[0].items()
    assert payloads[0]["account"] == "1234567_SB1"
    assert any(p["type"] == "customerpayment" for p in payloads)
    assert any(p["type"] == "customer" and p["id"] == customer for p in payloads)
    headers, body = receiver.calls[0]
    stamp = headers["X-Hub-Timestamp"]
    expected = hmac.new(b"s3cret", stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature"] == f"sha256={expected}"
    assert sandbox.counters()["webhook"]["delivered"] == len(receiver.calls)


def test_webhook_failures_are_counted_not_retried(make_sandbox: Any) -> None:
    down = Receiver(status=503)
    try:
        sandbox = make_sandbox()
        assert admin(sandbox, "POST", "webhook", {"url": down.url}).status_code == 200
        customer = suiteql_items(sandbox, "SELECT id FROM customer ORDER BY id")[0]["id"]
        admin(
            sandbox,
            "POST",
            "mutations/update_customer",
            {"id": customer, "fields": {"phone": "555-0100"}},
        )
        stats = admin(sandbox, "GET", "webhook").json()
        assert stats["failed"] == len(down.calls) == 1 and stats["last_error"] == "HTTP 503"
    finally:
        down.close()


def test_bad_mutation_input_is_a_400(shared_sandbox: Any) -> None:
    response = admin(
        shared_sandbox, "POST", "mutations/record_payment", {"customer_id": "1", "amount": "lots"}
    )
    assert response.status_code == 400 and "decimal" in response.json()["error"]
    unknown = admin(shared_sandbox, "POST", "mutations/teleport", {})
    assert unknown.status_code == 404


def test_credentials_management_over_admin(make_sandbox: Any) -> None:
    sandbox = make_sandbox()
    extra = admin(sandbox, "POST", "tokens", {"name": "second"}).json()
    assert extra["consumer_key"] == sandbox.credentials["consumer_key"]
    url = f"{sandbox.rest_url}/record/v1/customer"
    assert requests.get(url, auth=sandbox.oauth1(extra), timeout=30).status_code == 200
    assert admin(sandbox, "POST", "tokens/revoke", {"token_id": extra["token_id"]}).ok
    assert requests.get(url, auth=sandbox.oauth1(extra), timeout=30).status_code == 401
    assert requests.get(url, auth=sandbox.oauth1(), timeout=30).status_code == 200
    assert admin(sandbox, "POST", "integrations/disable", {}).ok
    assert requests.get(url, auth=sandbox.oauth1(), timeout=30).status_code == 401
    audit = admin(sandbox, "GET", "audit", limit="2", failures="true").json()
    assert [row["reason"] for row in audit] == ["consumer_key_refused", "token_rejected"]
    tokens = admin(sandbox, "GET", "tokens").json()
    assert {t["state"] for t in tokens} == {"active", "revoked"}


def test_governance_and_clock_over_admin(make_sandbox: Any) -> None:
    sandbox = make_sandbox()
    settings = admin(sandbox, "POST", "governance", {"concurrency_limit": 9, "fault_rate": 0.1})
    assert (
        settings.json()["concurrency_limit"] == 9 and sandbox.governance.settings.fault_rate == 0.1
    )
    assert admin(sandbox, "POST", "governance", {"concurrency_limit": 0}).status_code == 400
    assert admin(sandbox, "POST", "clock/advance", {"seconds": 400}).json() == {
        "offset_seconds": 400.0
    }
    # the server clock moved, so a correctly signed request now has a stale timestamp
    response = requests.get(
        f"{sandbox.rest_url}/record/v1/customer", auth=sandbox.oauth1(), timeout=30
    )
    assert response.status_code == 401
    assert sandbox.audit_trail(1)[0]["reason"] == "InvalidTimestamp"


def test_oauth2_client_registration_over_admin(make_sandbox: Any) -> None:
    from hub_netsuite.sandbox.oauth2 import generate_key_pair

    sandbox = make_sandbox()
    pair = generate_key_pair("EC")
    reply = admin(
        sandbox,
        "POST",
        "oauth2/clients",
        {"public_key_pem": pair.public_key_pem, "certificate_id": "cert-1"},
    ).json()
    assert reply == {"client_id": sandbox.credentials["consumer_key"], "certificate_id": "cert-1"}
    assert admin(sandbox, "POST", "oauth2/clients/revoke", {"certificate_id": "cert-1"}).ok
    assert (
        admin(sandbox, "POST", "oauth2/clients/revoke", {"certificate_id": "cert-1"}).status_code
        == 404
    )


def test_approve_and_apply_credit_memo_over_admin(make_sandbox: Any, receiver: Receiver) -> None:
    sandbox = make_sandbox(webhook_url=receiver.url)
    customer = suiteql_items(sandbox, "SELECT id FROM customer ORDER BY id")[0]["id"]
    pending = admin(
        sandbox,
        "POST",
        "mutations/create_invoice",
        {"customer_id": customer, "lines": [{"amount": "80.00"}], "approved": False},
    ).json()["id"]
    approved = admin(sandbox, "POST", "mutations/approve_invoice", {"id": pending})
    assert approved.status_code == 200 and approved.json() == {"id": pending}
    [row] = suiteql_items(sandbox, f"SELECT status, posting FROM transaction WHERE id = {pending}")
    assert row == {"links": [], "status": "A", "posting": "T"}
    again = admin(sandbox, "POST", "mutations/approve_invoice", {"id": pending})
    assert again.status_code == 400 and again.json()["code"] == "USER_ERROR"

    [memo] = suiteql_items(
        sandbox,
        "SELECT id, entity, foreignpaymentamountunused AS u FROM transaction "
        "WHERE type = 'CustCred' AND status = 'A' ORDER BY id FETCH FIRST 1 ROWS ONLY",
    )
    [invoice] = suiteql_items(
        sandbox,
        "SELECT id, foreignamountunpaid AS u FROM transaction WHERE type = 'CustInvc' "
        f"AND status = 'A' AND entity = {memo['entity']} ORDER BY duedate, id "
        "FETCH FIRST 1 ROWS ONLY",
    )
    applied = admin(
        sandbox,
        "POST",
        "mutations/apply_credit_memo",
        {"id": memo["id"], "applications": {invoice["id"]: "1.25"}},
    )
    assert applied.status_code == 200, applied.text
    [link] = suiteql_items(
        sandbox,
        "SELECT nexttype, foreignamount FROM NextTransactionLineLink "
        f"WHERE previousdoc = {invoice['id']} AND nextdoc = {memo['id']} AND foreignamount = 1.25",
    )
    assert link["nexttype"] == "CustCred"
    [after] = suiteql_items(
        sandbox, f"SELECT foreignpaymentamountunused AS u FROM transaction WHERE id = {memo['id']}"
    )
    assert Decimal(after["u"]) == Decimal(memo["u"]) - Decimal("1.25")
    bad = admin(
        sandbox, "POST", "mutations/apply_credit_memo", {"id": memo["id"], "applications": [1]}
    )
    assert bad.status_code == 400
    missing = admin(sandbox, "POST", "mutations/apply_credit_memo", {"id": "999999"})
    assert missing.status_code == 404
    events = [json.loads(body) for _, body in receiver.calls]
    assert {"type": "invoice", "id": pending, "event": "edit"}.items() <= events[1].items()
    assert {"type": "creditmemo", "id": memo["id"], "event": "edit"}.items() <= events[-1].items()
