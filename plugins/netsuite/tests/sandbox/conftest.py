"""Fixtures of the sandbox HTTP tests: real servers on 127.0.0.1 over real SQLite files."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from hub_netsuite.sandbox.api import Sandbox, start_sandbox
from hub_netsuite.sandbox.templates import SandboxCopies, generate_template

TEMPLATE_SIZES = {"customers": 25, "invoices": 120, "payments": 40, "seed": 3}


class NetSuiteHttp:
    """Tiny helper around ``requests`` that signs with the sandbox's TBA credentials."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox

    def get(self, path: str, *, auth: Any = None, **kwargs: Any) -> requests.Response:
        """GET ``/services/rest<path>``."""
        return requests.get(
            f"{self.sb.rest_url}{path}", auth=auth or self.sb.oauth1(), timeout=30, **kwargs
        )

    def suiteql(
        self,
        q: str,
        params: list[Any] | None = None,
        *,
        limit: int | None = None,
        offset: int | None = None,
        auth: Any = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """POST a SuiteQL query the way NetSuite expects it."""
        query = {k: v for k, v in (("limit", limit), ("offset", offset)) if v is not None}
        body: dict[str, Any] = {"q": q}
        if params is not None:
            body["params"] = params
        return requests.post(
            f"{self.sb.rest_url}/query/v1/suiteql",
            params=query,
            json=body,
            headers={"Prefer": "transient", **(headers or {})},
            auth=auth or self.sb.oauth1(),
            timeout=30,
        )


@pytest.fixture(scope="session")
def template_account(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated account file, copied for every sandbox the tests start."""
    folder = tmp_path_factory.mktemp("template")
    return generate_template(folder / "account.sqlite3", **TEMPLATE_SIZES)


@pytest.fixture
def make_sandbox(template_account: Path, tmp_path: Path) -> Iterator[Callable[..., Sandbox]]:
    """Start a sandbox over a private copy of the template account; stopped after the test."""
    copies = SandboxCopies(template_account, tmp_path, TEMPLATE_SIZES["seed"])
    yield copies.start
    copies.stop_all()


@pytest.fixture(scope="module")
def shared_sandbox(
    template_account: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sandbox]:
    """A read-only sandbox shared by a module's tests (do not change its state)."""
    path = tmp_path_factory.mktemp("shared") / "account.sqlite3"
    shutil.copyfile(template_account, path)
    sandbox = start_sandbox(path, seed=TEMPLATE_SIZES["seed"], concurrency_limit=20).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def ns(shared_sandbox: Sandbox) -> NetSuiteHttp:
    """Signed HTTP helper bound to the shared sandbox."""
    return NetSuiteHttp(shared_sandbox)


@pytest.fixture
def http_for() -> Callable[[Sandbox], NetSuiteHttp]:
    """Signed HTTP helper for a sandbox made by ``make_sandbox``."""
    return NetSuiteHttp
