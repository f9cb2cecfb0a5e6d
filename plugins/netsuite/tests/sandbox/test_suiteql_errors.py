"""Queries NetSuite refuses, with NetSuite's INVALID_PARAMETER wording."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub_netsuite.sandbox.store import SandboxSettings, SandboxStore, SuiteQLError

PREFIX = "Invalid search query. Detailed unprocessed description follows. "
UNSUPPORTED = PREFIX + "Invalid or unsupported search."


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxStore]:
    path = tmp_path_factory.mktemp("errors") / "account.db"
    settings = SandboxSettings(hidden_tables=frozenset({"deletedrecord"}))
    built = SandboxStore.generate(path, customers=3, invoices=5, payments=2, settings=settings)
    yield built
    built.close()


def error_of(store: SandboxStore, q: str, params: list[object] | None = None) -> SuiteQLError:
    with pytest.raises(SuiteQLError) as caught:
        store.suiteql(q, params)
    assert caught.value.code == "INVALID_PARAMETER"
    assert caught.value.status == 400
    assert caught.value.query_param == "q"
    return caught.value


@pytest.mark.parametrize(
    "q",
    [
        "WITH a AS (SELECT id FROM customer) SELECT id FROM a",
        "SELECT id FROM customer LIMIT 5",
        "SELECT id FROM transaction WHERE trandate > DATE '2024-01-01'",
        "SELECT id FROM transaction WHERE lastmodifieddate > TIMESTAMP '2024-01-01 00:00:00'",
        "SELECT id FROM customer WHERE",
        "SELECT id FROM customer; SELECT id FROM contact",
        "DELETE FROM customer",
        "SELECT BUILTIN.CONSOLIDATE(id) FROM customer",
    ],
)
def test_unsupported_syntax(store: SandboxStore, q: str) -> None:
    assert error_of(store, q).detail == UNSUPPORTED


def test_unknown_column_with_alias(store: SandboxStore) -> None:
    error = error_of(store, "SELECT t.id, t.subsidiary FROM transaction t")
    assert error.detail == (
        PREFIX + "Search error occurred: Unknown identifier 'subsidiary'. "
        "Available identifiers are: {t=transaction}."
    )


def test_unknown_column_without_alias_lists_the_table(store: SandboxStore) -> None:
    error = error_of(store, "SELECT balance FROM customer")
    assert error.detail == (
        PREFIX + "Search error occurred: Unknown identifier 'balance'. "
        "Available identifiers are: {customer=customer}."
    )


def test_no_mainline_on_transaction(store: SandboxStore) -> None:
    assert (
        "Unknown identifier 'mainline'"
        in error_of(store, "SELECT mainline FROM transaction").detail
    )


def test_oneworld_columns_only_on_oneworld_accounts(tmp_path: Path) -> None:
    plain = SandboxStore(tmp_path / "plain.db")
    assert (
        "Unknown identifier 'subsidiary'"
        in error_of(plain, "SELECT subsidiary FROM customer").detail
    )
    plain.close()
    oneworld = SandboxStore(tmp_path / "ow.db", SandboxSettings(oneworld=True))
    assert oneworld.suiteql("SELECT subsidiary FROM customer").items == []
    oneworld.close()


def test_unknown_table(store: SandboxStore) -> None:
    error = error_of(store, "SELECT id FROM salesorderz")
    assert error.detail == PREFIX + "Search error occurred: Invalid search type: salesorderz."
    assert "ns_listvalue" in error_of(store, "SELECT name FROM ns_listvalue").detail


def test_table_hidden_by_permissions(store: SandboxStore) -> None:
    assert (
        error_of(store, "SELECT id FROM deletedrecord").detail
        == "Record 'deletedrecord' was not found."
    )


def test_unparseable_to_date(store: SandboxStore) -> None:
    error = error_of(
        store, "SELECT id FROM transaction WHERE trandate > TO_DATE(?, 'YYYY-MM-DD')", ["1/2/2024"]
    )
    assert "Unparseable date" in error.detail and error.detail.startswith(PREFIX)


def test_parameter_count_must_match(store: SandboxStore) -> None:
    error = error_of(store, "SELECT id FROM customer WHERE id > ? AND id < ?", ["1"])
    assert "2 placeholders but 1 values" in error.detail


def test_in_lists_are_limited_to_1000_values(store: SandboxStore) -> None:
    values = ", ".join(str(i) for i in range(1001))
    assert (
        "limited to 1000"
        in error_of(store, f"SELECT id FROM customer WHERE id IN ({values})").detail
    )
    ok = ", ".join(str(i) for i in range(1000))
    assert store.suiteql(f"SELECT id FROM customer WHERE id IN ({ok})").total_results == 3


def test_refusals_are_cached_but_still_raise(store: SandboxStore) -> None:
    for _ in range(2):
        assert error_of(store, "SELECT nope FROM customer").detail.endswith("{customer=customer}.")
