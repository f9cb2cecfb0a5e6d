"""OAuth 2.0 client credentials with a certificate-signed JWT (PyJWT on the client side)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def request_token(sandbox: Any, assertion: str, **extra: str) -> requests.Response:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        **extra,
    }
    return requests.post(sandbox.token_url, data=form, timeout=30)


def last_failure_reason(sandbox: Any) -> str:
    return str(sandbox.audit_trail(1, failures_only=True)[0]["reason"])


@pytest.fixture(scope="module")
def ec_client(shared_sandbox: Any) -> Any:
    return shared_sandbox.oauth2_client("EC")


def test_es256_assertion_gets_a_one_hour_bearer_token(shared_sandbox: Any, ec_client: Any) -> None:
    response = request_token(shared_sandbox, ec_client.assertion(time.time()))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["expires_in"] == 3600 and body["token_type"] == "Bearer"
    data = requests.post(
        f"{shared_sandbox.rest_url}/query/v1/suiteql",
        json={"q": "SELECT id FROM customer"},
        headers={"Prefer": "transient", "Authorization": f"Bearer {body['access_token']}"},
        timeout=30,
    )
    assert data.status_code == 200 and data.json()["totalResults"] == 25


def test_ps256_with_rsa_pss_key_and_scope_as_string(make_sandbox: Any) -> None:
    sandbox = make_sandbox()
    client = sandbox.oauth2_client("RSA-PSS")
    assert client.algorithm == "PS256"
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": client.client_id,
            "scope": "restlets,rest_webservices",
            "aud": client.audience,
            "iat": now,
            "exp": now + 3600,
        },
        client.private_key_pem,
        algorithm="PS256",
        headers={"kid": client.certificate_id},
    )
    assert request_token(sandbox, assertion).status_code == 200


def test_audience_may_also_be_the_loopback_token_url(shared_sandbox: Any, ec_client: Any) -> None:
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": ec_client.client_id,
            "scope": ["rest_webservices"],
            "aud": shared_sandbox.token_url,
            "iat": now,
            "exp": now + 600,
            "jti": str(uuid.uuid4()),
        },
        ec_client.private_key_pem,
        algorithm="ES256",
        headers={"kid": ec_client.certificate_id},
    )
    assert request_token(shared_sandbox, assertion).status_code == 200


def test_rs256_is_refused(make_sandbox: Any) -> None:
    sandbox = make_sandbox()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    cert = sandbox.registry.register_certificate(public_pem)
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": sandbox.credentials["consumer_key"],
            "scope": ["rest_webservices"],
            "aud": sandbox.oauth2_client().audience,
            "iat": now,
            "exp": now + 300,
        },
        key,
        algorithm="RS256",
        headers={"kid": cert.certificate_id},
    )
    response = request_token(sandbox, assertion)
    assert response.status_code == 401 and response.json() == {"error": "invalid_client"}
    assert response.headers["WWW-Authenticate"] == 'Basic realm="1234567_SB1"'
    assert last_failure_reason(sandbox) == "UnknownAlgorithm"


def _signed(client: Any, *, kid: str | None = None, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": client.client_id,
        "scope": ["rest_webservices"],
        "aud": client.audience,
        "iat": now,
        "exp": now + 300,
        **claims,
    }
    return jwt.encode(
        payload,
        client.private_key_pem,
        algorithm=client.algorithm,
        headers={"kid": kid or client.certificate_id},
    )


@pytest.mark.parametrize(
    ("variant", "status", "error", "reason"),
    [
        ({"kid": "not-a-registered-certificate"}, 401, "invalid_client", "UnknownCertificate"),
        (
            {
                "aud": "https://9999999.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
            },
            400,
            "invalid_grant",
            "InvalidAudience",
        ),
        ({"exp_after_iat": 3601}, 400, "invalid_grant", "AssertionLifetime"),
        ({"exp_after_iat": -120}, 400, "invalid_grant", "AssertionExpired"),
        ({"iss": "someone-else"}, 401, "invalid_client", "InvalidIssuer"),
        ({"scope": ["rest_webservices", "everything"]}, 400, "invalid_scope", "InvalidScope"),
    ],
)
def test_assertion_negatives(
    shared_sandbox: Any,
    ec_client: Any,
    variant: dict[str, Any],
    status: int,
    error: str,
    reason: str,
) -> None:
    claims = dict(variant)
    kid = claims.pop("kid", None)
    if "exp_after_iat" in claims:
        now = int(time.time())
        claims = {"iat": now, "exp": now + claims.pop("exp_after_iat")}
    response = request_token(shared_sandbox, _signed(ec_client, kid=kid, **claims))
    assert response.status_code == status and response.json() == {"error": error}
    assert last_failure_reason(shared_sandbox) == reason


def test_signature_by_another_key_is_refused(shared_sandbox: Any, ec_client: Any) -> None:
    other = shared_sandbox.oauth2_client("EC")
    forged = jwt.encode(
        {
            "iss": ec_client.client_id,
            "scope": ["rest_webservices"],
            "aud": ec_client.audience,
            "iat": int(time.time()),
            "exp": int(time.time()) + 300,
        },
        other.private_key_pem,
        algorithm="ES256",
        headers={"kid": ec_client.certificate_id},
    )
    assert request_token(shared_sandbox, forged).status_code == 401
    assert last_failure_reason(shared_sandbox) == "InvalidSignature"


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({}, 400, "invalid_request"),
        ({"grant_type": "client_credentials"}, 400, "invalid_request"),
    ],
)
def test_malformed_token_requests(
    shared_sandbox: Any, form: dict[str, str], status: int, error: str
) -> None:
    response = requests.post(shared_sandbox.token_url, data=form, timeout=30)
    assert response.status_code == status and response.json() == {"error": error}


def test_bearer_expiry_and_revocation_give_invalid_token(make_sandbox: Any) -> None:
    sandbox = make_sandbox()
    client = sandbox.oauth2_client()
    token = request_token(sandbox, client.assertion(time.time())).json()["access_token"]
    url = f"{sandbox.rest_url}/system/v1/serverTime"
    headers = {"Authorization": f"Bearer {token}"}
    ok = requests.get(url, headers=headers, timeout=30)
    assert ok.status_code == 200 and ok.json()["serverTime"].endswith("Z")

    sandbox.clock.advance(3601)
    expired = requests.get(url, headers=headers, timeout=30)
    assert expired.status_code == 401
    assert expired.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"
    assert expired.headers["WWW-Authenticate"] == (
        'Bearer realm="1234567_SB1", error="invalid_token", '
        'error_description="Invalid login attempt."'
    )
    assert last_failure_reason(sandbox) == "TokenExpired"
    sandbox.clock.advance(-3601)

    assert sandbox.registry.revoke_certificate(client.certificate_id)
    assert requests.get(url, headers=headers, timeout=30).status_code == 401
    assert last_failure_reason(sandbox) == "CertificateRevoked"
    assert request_token(sandbox, client.assertion(time.time())).status_code == 401


def test_unknown_bearer_token(shared_sandbox: Any) -> None:
    response = requests.get(
        f"{shared_sandbox.rest_url}/record/v1/customer",
        headers={"Authorization": "Bearer not-a-token"},
        timeout=30,
    )
    assert response.status_code == 401 and "invalid_token" in response.headers["WWW-Authenticate"]
    assert last_failure_reason(shared_sandbox) == "InvalidToken"
