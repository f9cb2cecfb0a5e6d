"""``netsuite-sandbox`` CLI: ``serve`` in a real subprocess, the admin commands against it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from hub_netsuite.sandbox.cli import netsuite_sandbox


def _read_json_block(stream: Any) -> dict[str, Any]:
    lines: list[str] = []
    for line in stream:
        lines.append(line)
        if line.rstrip() == "}":
            return dict(json.loads("".join(lines)))
    raise AssertionError("serve ended before printing its details: " + "".join(lines))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    data = tmp_path_factory.mktemp("cli") / "account.sqlite3"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hub_netsuite.sandbox",
            "serve",
            "--port",
            "0",
            "--data",
            str(data),
            "--customers",
            "6",
            "--invoices",
            "12",
            "--payments",
            "4",
            "--seed",
            "5",
            "--concurrency-limit",
            "3",
            "--admin-token",
            "cli-admin-token",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        info = _read_json_block(process.stdout)
        yield data, info
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_serve_prints_a_pasteable_connection_config(served: tuple[Path, dict[str, Any]]) -> None:
    _, info = served
    config = info["connection_config"]
    assert config["account_id"] == "1234567_SB1" and config["auth"] == "tba"
    assert config["base_url"].startswith("http://127.0.0.1:")
    assert {"consumer_key", "consumer_secret", "token_id", "token_secret"} <= set(config)
    assert info["admin_token"] == "cli-admin-token"
    from requests_oauthlib import OAuth1

    auth = OAuth1(
        config["consumer_key"],
        client_secret=config["consumer_secret"],
        resource_owner_key=config["token_id"],
        resource_owner_secret=config["token_secret"],
        signature_method="HMAC-SHA256",
        realm=config["account_id"],
    )
    response = requests.get(
        f"{config['base_url']}/services/rest/record/v1/customer", auth=auth, timeout=30
    )
    assert response.status_code == 200 and response.json()["totalResults"] == 6


def test_stats_and_audit_commands(served: tuple[Path, dict[str, Any]]) -> None:
    data, info = served
    requests.get(f"{info['base_url']}/services/rest/record/v1/customer", timeout=30)  # no auth
    runner = CliRunner()
    stats = runner.invoke(netsuite_sandbox, ["stats", "--data", str(data), "--json"])
    assert stats.exit_code == 0, stats.output
    counters = json.loads(stats.output)
    assert counters["settings"]["concurrency_limit"] == 3
    assert counters["requests"]["record.list"] >= 2 and counters["auth_failures"] >= 1
    human = runner.invoke(netsuite_sandbox, ["stats", "--data", str(data)])
    assert "peak concurrency" in human.output and "record.list" in human.output
    audit = runner.invoke(netsuite_sandbox, ["audit", "--data", str(data), "--failures"])
    assert audit.exit_code == 0 and "MissingTokenPassportRequiredFields" in audit.output


def test_mutation_commands(served: tuple[Path, dict[str, Any]]) -> None:
    data, info = served
    runner = CliRunner()
    url = ["--url", info["base_url"], "--admin-token", "cli-admin-token"]
    counts = json.loads(runner.invoke(netsuite_sandbox, ["counts", *url]).output)
    customers = requests.get(
        f"{info['base_url']}/sandbox/info",
        headers={"X-Sandbox-Admin-Token": "cli-admin-token"},
        timeout=30,
    )
    assert customers.ok and counts
    created = runner.invoke(
        netsuite_sandbox,
        [
            "create-invoice",
            "--data",
            str(data),
            "--customer",
            _first_customer(info),
            "--amount",
            "10.00",
            "--amount",
            "5.50",
        ],
    )
    assert created.exit_code == 0, created.output
    invoice_id = json.loads(created.output)["id"]
    paid = runner.invoke(
        netsuite_sandbox,
        [
            "record-payment",
            "--data",
            str(data),
            "--customer",
            _first_customer(info),
            "--amount",
            "15.50",
            "--apply",
            f"{invoice_id}=15.50",
        ],
    )
    assert paid.exit_code == 0, paid.output
    voided = runner.invoke(netsuite_sandbox, ["void-invoice", "--data", str(data), "999999999"])
    assert voided.exit_code != 0 and "sandbox refused" in voided.output


def test_commands_explain_when_no_sandbox_runs(tmp_path: Path) -> None:
    result = CliRunner().invoke(netsuite_sandbox, ["stats", "--data", str(tmp_path / "none.db")])
    assert result.exit_code != 0 and "--url" in result.output


def _first_customer(info: dict[str, Any]) -> str:
    from requests_oauthlib import OAuth1

    c = info["credentials"]
    auth = OAuth1(
        c["consumer_key"],
        client_secret=c["consumer_secret"],
        resource_owner_key=c["token_id"],
        resource_owner_secret=c["token_secret"],
        signature_method="HMAC-SHA256",
        realm=info["account_id"],
    )
    body = requests.post(
        f"{info['rest_url']}/query/v1/suiteql",
        json={"q": "SELECT id FROM customer ORDER BY id"},
        headers={"Prefer": "transient"},
        auth=auth,
        timeout=30,
    ).json()
    return str(body["items"][0]["id"])


def test_credential_commands(served: tuple[Path, dict[str, Any]]) -> None:
    data, info = served
    runner = CliRunner()
    issued = runner.invoke(netsuite_sandbox, ["new-token", "--data", str(data), "--name", "ci"])
    assert issued.exit_code == 0, issued.output
    token = json.loads(issued.output)
    assert token["consumer_key"] == info["credentials"]["consumer_key"]
    assert token["token_id"] != info["credentials"]["token_id"]
    revoked = runner.invoke(
        netsuite_sandbox, ["revoke-token", "--data", str(data), token["token_id"]]
    )
    assert revoked.exit_code == 0 and json.loads(revoked.output) == {"revoked": True}

    client = runner.invoke(netsuite_sandbox, ["oauth2-client", "--data", str(data)])
    assert client.exit_code == 0, client.output
    m2m = json.loads(client.output)
    assert m2m["client_id"] == info["credentials"]["consumer_key"]
    assert m2m["algorithm"] == "ES256" and "PRIVATE KEY" in m2m["private_key"]
    import time

    import jwt

    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": m2m["client_id"],
            "scope": ["rest_webservices"],
            "aud": info["token_url"],
            "iat": now,
            "exp": now + 300,
        },
        m2m["private_key"],
        algorithm="ES256",
        headers={"kid": m2m["certificate_id"]},
    )
    response = requests.post(
        info["token_url"],
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
        timeout=30,
    )
    assert response.status_code == 200 and response.json()["expires_in"] == 3600


def test_approve_invoice_and_apply_credit_memo_commands(
    served: tuple[Path, dict[str, Any]],
) -> None:
    data, info = served
    runner = CliRunner()
    customer = _first_customer(info)
    created = runner.invoke(
        netsuite_sandbox,
        ["create-invoice", "--data", str(data), "--customer", customer, "--amount", "42.00",
         "--pending-approval"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    invoice_id = json.loads(created.output)["id"]
    approved = runner.invoke(netsuite_sandbox, ["approve-invoice", "--data", str(data), invoice_id])
    assert approved.exit_code == 0, approved.output
    assert json.loads(approved.output) == {"id": invoice_id}
    again = runner.invoke(netsuite_sandbox, ["approve-invoice", "--data", str(data), invoice_id])
    assert again.exit_code != 0 and "not pending approval" in again.output
    # an invoice is not a credit memo: the sandbox answers 404 and the command says so
    refused = runner.invoke(
        netsuite_sandbox,
        ["apply-credit-memo", "--data", str(data), invoice_id, "--apply", f"{invoice_id}=1.00"],
    )
    assert refused.exit_code != 0 and "sandbox refused" in refused.output
    malformed = runner.invoke(
        netsuite_sandbox, ["apply-credit-memo", "--data", str(data), "1", "--apply", "oops"]
    )
    assert malformed.exit_code != 0
