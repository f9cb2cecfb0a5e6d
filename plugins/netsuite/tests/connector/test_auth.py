"""TBA and OAuth 2.0 M2M end to end over real HTTP against the emulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub import AuthenticationError, LocalContext
from hub_netsuite.connector import NetSuiteConnector
from hub_netsuite.connector.auth import OAuth2M2MAuth
from hub_netsuite.connector.client import NetSuiteClient
from hub_netsuite.connector.config import parse_config
from hub_netsuite.sandbox.api import Sandbox

from .conftest import FAST, read_all


def test_tba_signs_with_realm_and_fresh_nonces(
    sb: Sandbox, connect: Callable[..., NetSuiteConnector]
) -> None:
    connector = connect(sb, account_id="1234567-sb1")  # slug form still gives the right realm
    records, _, _ = read_all(connector, "customers")
    assert len(records) == 15
    trail = sb.audit_trail(50)
    assert trail and all(row["outcome"] == "Success" for row in trail)
    assert {row["scheme"] for row in trail} == {"TBA"}


@pytest.mark.parametrize("kind", ["EC", "RSA-PSS"])
def test_oauth2_m2m_end_to_end(sb: Sandbox, kind: str) -> None:
    client_info = sb.oauth2_client(kind)
    config = parse_config({**sb.connection_config("oauth2_m2m", client_info), **FAST})
    context = LocalContext()
    client = NetSuiteClient(config, context, budget_key="t")
    try:
        for _ in range(3):
            page = client.suiteql("SELECT c.id FROM customer c ORDER BY c.id", limit=5)
            assert len(page.items) == 5
        assert isinstance(client.auth, OAuth2M2MAuth)
        assert client.auth.tokens_minted == 1  # cached
        assert context.requests_made == 4  # one token request + three queries, all counted
        assert sb.counters()["requests"]["oauth2.token"] == 1
    finally:
        client.close()


def test_oauth2_token_renewed_before_expiry(sb: Sandbox) -> None:
    now = [1_000_000.0]
    config = parse_config({**sb.connection_config("oauth2_m2m"), **FAST})
    client = NetSuiteClient(config, LocalContext(), budget_key="t")
    import time

    offset = time.time() - now[0]
    auth = OAuth2M2MAuth(config, client._send, clock=lambda: now[0] + offset)
    client.auth = auth
    try:
        first = auth.token()
        now[0] += 3000  # 10 minutes before expiry: still cached
        assert auth.token() == first
        now[0] += 400  # inside the renewal margin: a new one is minted
        sb.clock.advance(3400)
        assert auth.token() != first and auth.tokens_minted == 2
    finally:
        client.close()


def test_a_401_drops_the_cached_token_and_mints_again(
    sb: Sandbox, connect: Callable[..., NetSuiteConnector]
) -> None:
    client_info = sb.oauth2_client("EC")
    connector = connect(
        sb,
        auth="oauth2_m2m",
        client_id=client_info.client_id,
        certificate_id=client_info.certificate_id,
        private_key=client_info.private_key_pem,
    )
    assert connector.check().ok
    sb.registry.revoke_certificate(client_info.certificate_id)
    with pytest.raises(AuthenticationError) as caught:
        read_all(connector, "customers")
    assert "client assertion" in caught.value.message
    reasons = [row["reason"] for row in sb.audit_trail(20, failures_only=True)]
    assert "CertificateRevoked" in reasons
    assert sb.counters()["requests"]["oauth2.token"] == 2  # the cached token was not reused
