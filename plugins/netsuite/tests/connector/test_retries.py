"""Governance: retries with backoff, request counting, the per-account budget."""

from __future__ import annotations

import random
from collections.abc import Callable

from hub import LocalContext
from hub_netsuite.connector import NetSuiteConnector
from hub_netsuite.connector.governance import backoff_delay
from hub_netsuite.sandbox.api import Sandbox

from .conftest import read_all

Connect = Callable[..., NetSuiteConnector]


def test_faults_are_retried_and_every_attempt_is_counted(
    make_sandbox: Callable[..., Sandbox], connect: Connect
) -> None:
    clean = make_sandbox()
    expected = {r["id"] for r in read_all(connect(clean), "invoices")[0]}
    faulty = make_sandbox(fault_rate=0.3, seed=11)
    context = LocalContext()
    # Small pages: enough requests that a 30% fault rate surely hits some.
    records, _, _ = read_all(connect(faulty, context=context, page_size=5), "invoices")
    assert {r["id"] for r in records} == expected
    counters = faulty.counters()
    assert counters["faults_500"] > 0
    assert context.requests_made == counters["total_requests"]


def test_429s_are_retried_until_a_slot_frees(
    make_sandbox: Callable[..., Sandbox], connect: Connect
) -> None:
    sandbox = make_sandbox(concurrency_limit=1, latency_ms=30)
    import threading

    results: list[int] = []

    def reader() -> None:
        connector = connect(sandbox, retry_base_seconds=0.02, concurrency=4)
        results.append(len(read_all(connector, "customers")[0]))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [15, 15, 15]
    assert sandbox.counters()["peak_concurrency"] == 1


def test_concurrency_setting_caps_parallel_requests(
    make_sandbox: Callable[..., Sandbox], connect: Connect
) -> None:
    sandbox = make_sandbox(concurrency_limit=10, latency_ms=20)
    import threading

    def reader() -> None:
        read_all(connect(sandbox, concurrency=2), "customers")

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counters = sandbox.counters()
    assert counters["peak_concurrency"] <= 2  # shared per account across connector instances
    assert counters["rejected_429"] == 0


def test_backoff_is_exponential_with_full_jitter() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, 1.0, 60.0, rng) for n in range(12) for _ in range(50)]
    assert all(0 <= d <= 60 for d in delays)
    early = [backoff_delay(0, 1.0, 60.0, rng) for _ in range(200)]
    late = [backoff_delay(5, 1.0, 60.0, rng) for _ in range(200)]
    assert max(early) <= 1.0 < max(late) <= 32.0
    assert min(late) < 8.0  # full jitter: anywhere from zero
