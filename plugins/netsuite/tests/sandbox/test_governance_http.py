"""Governance over real HTTP: the shared concurrency limit, faults, latency and slow 401s."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from hub_netsuite.sandbox.governance import Governance, GovernanceSettings

CONCURRENCY_BODY = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    "title": "Bad Request",
    "status": 429,
    "o:errorCode": "USER_ERROR",
    "o:errorDetails": [
        {
            "detail": "Concurrent request limit exceeded. Request blocked.",
            "o:errorCode": "CONCURRENCY_LIMIT_EXCEEDED",
        }
    ],
}


def _parallel(sandbox: Any, n: int) -> list[requests.Response]:
    barrier = threading.Barrier(n)

    def call(i: int) -> requests.Response:
        barrier.wait()
        if i % 2:
            return requests.get(
                f"{sandbox.rest_url}/record/v1/customer", auth=sandbox.oauth1(), timeout=30
            )
        return requests.post(
            f"{sandbox.rest_url}/query/v1/suiteql",
            json={"q": "SELECT id FROM customer"},
            headers={"Prefer": "transient"},
            auth=sandbox.oauth1(),
            timeout=30,
        )

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(call, range(n)))


def test_concurrency_limit_is_shared_by_all_endpoints(make_sandbox: Any) -> None:
    sandbox = make_sandbox(concurrency_limit=2, latency_ms=400)
    responses = _parallel(sandbox, 6)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 429, 429, 429, 429]
    for response in responses:
        if response.status_code == 429:
            assert response.json() == CONCURRENCY_BODY
            assert "Retry-After" not in response.headers
    counters = sandbox.counters()
    assert counters["peak_concurrency"] == 2
    assert counters["rejected_429"] == 4
    assert counters["in_flight"] == 0
    assert counters["requests"] == {"record.list": 3, "suiteql": 3}
    assert counters["statuses"] == {"200": 2, "429": 4}


def test_limit_change_at_runtime_and_governance_limits_endpoint(make_sandbox: Any) -> None:
    sandbox = make_sandbox(concurrency_limit=2, latency_ms=300)
    sandbox.set_governance(concurrency_limit=6)
    assert sorted(r.status_code for r in _parallel(sandbox, 6)) == [200] * 6
    assert sandbox.counters()["peak_concurrency"] == 6
    limits = requests.get(
        f"{sandbox.rest_url}/system/v1/governanceLimits", auth=sandbox.oauth1(), timeout=30
    ).json()
    assert limits == {
        "accountConcurrencyLimit": 6,
        "accountUnallocatedConcurrencyLimit": 6,
        "integrationConcurrencyLimit": 6,
        "integrationLimitType": "accountLimit",
    }


def test_fault_injection_returns_unexpected_error_with_error_id(make_sandbox: Any) -> None:
    sandbox = make_sandbox(fault_rate=0.5)
    responses = [
        requests.get(f"{sandbox.rest_url}/record/v1/customer", auth=sandbox.oauth1(), timeout=30)
        for _ in range(30)
    ]
    faults = [r for r in responses if r.status_code == 500]
    assert 5 <= len(faults) <= 25
    assert len(faults) + sum(r.status_code == 200 for r in responses) == 30
    body = faults[0].json()
    assert body["type"] == "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.1"
    assert body["title"] == "Internal Server Error" and body["status"] == 500
    [detail] = body["o:errorDetails"]
    assert detail["o:errorCode"] == "UNEXPECTED_ERROR"
    assert re.fullmatch(r"An unexpected error occurred\. Error ID: [a-z]{20}", detail["detail"])
    assert sandbox.counters()["faults_500"] == len(faults)


def test_latency_is_applied(make_sandbox: Any) -> None:
    sandbox = make_sandbox(latency_ms=250)
    started = time.perf_counter()
    response = requests.get(
        f"{sandbox.rest_url}/system/v1/serverTime", auth=sandbox.oauth1(), timeout=30
    )
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.25


def test_slow_401_under_load(make_sandbox: Any) -> None:
    sandbox = make_sandbox(concurrency_limit=1, latency_ms=600, slow_401_rate=1.0)
    sandbox.set_governance(slow_401_delay_ms=200)
    responses = _parallel(sandbox, 3)
    assert sorted(r.status_code for r in responses) == [200, 401, 401]
    counters = sandbox.counters()
    assert counters["slow_401"] == 2 and counters["rejected_429"] == 0
    reasons = {row["reason"] for row in sandbox.audit_trail(10, failures_only=True)}
    assert reasons == {"ConcurrencyLimitLogin"}


def test_settings_are_validated() -> None:
    governor = Governance(GovernanceSettings(concurrency_limit=3))
    with pytest.raises(ValueError, match="concurrency_limit"):
        governor.update(concurrency_limit=0)
    with pytest.raises(ValueError, match="fault_rate"):
        governor.update(fault_rate=1.5)
    with pytest.raises(ValueError, match="unknown"):
        governor.update(burst=3)
    assert governor.settings.concurrency_limit == 3


def test_counters_reset(make_sandbox: Any) -> None:
    sandbox = make_sandbox()
    requests.get(f"{sandbox.rest_url}/record/v1/customer", auth=sandbox.oauth1(), timeout=30)
    assert sandbox.counters()["total_requests"] == 1
    sandbox.reset_counters()
    assert sandbox.counters()["total_requests"] == 0
