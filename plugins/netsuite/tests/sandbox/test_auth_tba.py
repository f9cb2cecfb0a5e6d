"""TBA (OAuth 1.0a) as NetSuite does it, driven by requests-oauthlib and oauthlib's own signer.

Every failure must produce the identical 401 body; only the login audit trail tells them apart.
"""

from __future__ import annotations

import http.client
import time
from typing import Any

import pytest
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client
from requests_oauthlib import OAuth1

INVALID_LOGIN = {
    "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2",
    "title": "Unauthorized",
    "status": 401,
    "o:errorDetails": [
        {
            "detail": "Invalid login attempt. For more details, see the Login Audit Trail in the "
            "NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.",
            "o:errorCode": "INVALID_LOGIN",
        }
    ],
}


def assert_invalid_login(response: requests.Response) -> None:
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/vnd.oracle.resource+json; type=error"
    assert response.json() == INVALID_LOGIN


def last_failure(sandbox: Any) -> dict[str, Any]:
    entries = sandbox.audit_trail(1, failures_only=True)
    assert entries, "no failure in the audit trail"
    return dict(entries[0])


def signer(sandbox: Any, **overrides: Any) -> OAuth1:
    return sandbox.oauth1(**overrides)


def test_valid_signature_with_query_params_is_accepted_and_audited(ns: Any) -> None:
    response = ns.get("/record/v1/customer", params={"limit": 3, "offset": 3})
    assert response.status_code == 200
    success = ns.sb.audit_trail(1)[0]
    assert success["outcome"] == "Success" and success["scheme"] == "TBA"
    assert success["integration"] == "Collections Hub"
    assert ns.sb.credentials["token_id"] not in str(ns.sb.audit_trail(50))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"client_secret": "0" * 64}, "InvalidSignature"),
        ({"signature_method": "HMAC-SHA1"}, "UnknownAlgorithm"),
        ({"timestamp": -301}, "InvalidTimestamp"),
        ({"timestamp": +400}, "InvalidTimestamp"),
        ({"realm": "1234567_sb1"}, "RealmMismatch"),
        ({"realm": "1234567-SB1"}, "RealmMismatch"),
        ({"nonce": "abc12"}, "nonce_rejected"),
        ({"resource_owner_key": "f" * 64}, "token_rejected"),
    ],
)
def test_failures_look_identical_but_audit_differs(
    ns: Any, overrides: dict[str, Any], reason: str
) -> None:
    if "timestamp" in overrides:  # relative to now, so the case is valid whenever it runs
        overrides = {"timestamp": str(int(time.time()) + overrides["timestamp"])}
    assert_invalid_login(ns.get("/record/v1/customer", auth=signer(ns.sb, **overrides)))
    assert last_failure(ns.sb)["reason"] == reason


def test_unknown_consumer_key(ns: Any) -> None:
    creds = {**ns.sb.credentials, "consumer_key": "a" * 64}
    assert_invalid_login(ns.get("/record/v1/customer", auth=ns.sb.oauth1(creds)))
    failure = last_failure(ns.sb)
    assert failure["reason"] == "consumer_key_unknown"
    assert failure["integration"] == "aaaaaaaa…"  # a hint only, never the whole key


def test_missing_authorization(ns: Any) -> None:
    response = requests.get(f"{ns.sb.rest_url}/record/v1/customer", timeout=30)
    assert_invalid_login(response)
    assert last_failure(ns.sb)["reason"] == "MissingTokenPassportRequiredFields"


def test_nonce_replay_is_rejected(ns: Any) -> None:
    fixed = {"nonce": "replayednonce1234567890", "timestamp": str(int(time.time()))}
    first = ns.get("/record/v1/customer", auth=signer(ns.sb, **fixed))
    assert first.status_code == 200
    assert_invalid_login(ns.get("/record/v1/customer", auth=signer(ns.sb, **fixed)))
    assert last_failure(ns.sb)["reason"] == "NonceUsed"


def test_query_params_are_signed(ns: Any) -> None:
    prepared = requests.Request(
        "GET", f"{ns.sb.rest_url}/record/v1/customer?limit=5", auth=ns.sb.oauth1()
    ).prepare()
    prepared.url = prepared.url.replace("limit=5", "limit=6")
    with requests.Session() as session:
        assert_invalid_login(session.send(prepared, timeout=30))
    assert last_failure(ns.sb)["reason"] == "InvalidSignature"


def test_query_params_in_the_header_break_the_signature(ns: Any) -> None:
    """A client that puts limit/offset into the Authorization header fails (timbal-ai PR #80)."""
    client = Client(
        ns.sb.credentials["consumer_key"],
        client_secret=ns.sb.credentials["consumer_secret"],
        resource_owner_key=ns.sb.credentials["token_id"],
        resource_owner_secret=ns.sb.credentials["token_secret"],
        signature_method=SIGNATURE_HMAC_SHA256,
        realm=ns.sb.account_id,
    )
    url = f"{ns.sb.rest_url}/record/v1/customer?limit=5"
    _, headers, _ = client.sign(url, "GET")
    response = requests.get(
        f"{ns.sb.rest_url}/record/v1/customer?limit=6", headers=headers, timeout=30
    )
    assert_invalid_login(response)


def test_json_body_is_not_signed_but_form_body_is(ns: Any) -> None:
    url = f"{ns.sb.rest_url}/query/v1/suiteql"
    prepared = requests.Request(
        "POST",
        url,
        json={"q": "SELECT id FROM customer"},
        auth=ns.sb.oauth1(),
        headers={"Prefer": "transient"},
    ).prepare()
    prepared.body = b'{"q": "SELECT id FROM contact"}'
    prepared.headers["Content-Length"] = str(len(prepared.body))
    with requests.Session() as session:
        tampered_json = session.send(prepared, timeout=30)
        assert tampered_json.status_code == 200

        form = requests.Request(
            "POST",
            url,
            data={"q": "SELECT id FROM customer"},
            auth=ns.sb.oauth1(),
            headers={"Prefer": "transient"},
        ).prepare()
        signed_form = session.send(form, timeout=30)
        assert signed_form.status_code == 400  # authenticated; the body just is not JSON

        tampered = requests.Request(
            "POST",
            url,
            data={"q": "SELECT id FROM customer"},
            auth=ns.sb.oauth1(),
            headers={"Prefer": "transient"},
        ).prepare()
        tampered.body = "q=SELECT+id+FROM+contact"
        tampered.headers["Content-Length"] = str(len(tampered.body))
        assert_invalid_login(session.send(tampered, timeout=30))
    assert last_failure(ns.sb)["reason"] == "InvalidSignature"


def test_oauth_version_other_than_1_0_is_rejected(ns: Any) -> None:
    prepared = requests.Request(
        "GET", f"{ns.sb.rest_url}/record/v1/customer", auth=ns.sb.oauth1()
    ).prepare()
    header = prepared.headers["Authorization"]
    header = header.decode() if isinstance(header, bytes) else header
    prepared.headers["Authorization"] = header.replace('oauth_version="1.0"', 'oauth_version="2.0"')
    with requests.Session() as session:
        assert_invalid_login(session.send(prepared, timeout=30))
    assert last_failure(ns.sb)["reason"] == "VersionRejected"


def test_duplicated_parameter_is_rejected(ns: Any) -> None:
    prepared = requests.Request(
        "GET", f"{ns.sb.rest_url}/record/v1/customer", auth=ns.sb.oauth1()
    ).prepare()
    header = prepared.headers["Authorization"]
    header = header.decode() if isinstance(header, bytes) else header
    prepared.headers["Authorization"] = header + ', oauth_nonce="another1234567"'
    with requests.Session() as session:
        assert_invalid_login(session.send(prepared, timeout=30))
    assert last_failure(ns.sb)["reason"] == "parameter_rejected"


def test_account_host_slug_is_served_and_signed_as_addressed(ns: Any) -> None:
    """Route the NetSuite host name to loopback: connect to 127.0.0.1, send Host: <slug>:<port>."""
    port = ns.sb.base_url.rsplit(":", 1)[1]
    host = f"1234567-sb1.suitetalk.api.netsuite.com:{port}"
    client = Client(
        ns.sb.credentials["consumer_key"],
        client_secret=ns.sb.credentials["consumer_secret"],
        resource_owner_key=ns.sb.credentials["token_id"],
        resource_owner_secret=ns.sb.credentials["token_secret"],
        signature_method=SIGNATURE_HMAC_SHA256,
        realm=ns.sb.account_id,
    )
    path = "/services/rest/record/v1/customer?limit=1"
    _, headers, _ = client.sign(f"http://{host}{path}", "GET")
    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    try:
        connection.request("GET", path, headers={**headers, "Host": host})
        response = connection.getresponse()
        body = response.read().decode()
    finally:
        connection.close()
    assert response.status == 200
    assert f"http://{host}/services/rest/record/v1/customer/" in body


def test_foreign_host_is_refused(ns: Any) -> None:
    response = requests.get(
        f"{ns.sb.rest_url}/record/v1/customer",
        headers={"Host": "9999999.suitetalk.api.netsuite.com"},
        auth=ns.sb.oauth1(),
        timeout=30,
    )
    assert_invalid_login(response)
    assert last_failure(ns.sb)["reason"] == "UnknownHost"


def test_revoked_token_and_disabled_integration(make_sandbox: Any, http_for: Any) -> None:
    sandbox = make_sandbox()
    ns = http_for(sandbox)
    assert ns.get("/record/v1/customer").status_code == 200

    assert sandbox.disable_integration()
    assert_invalid_login(ns.get("/record/v1/customer"))
    assert last_failure(sandbox)["reason"] == "consumer_key_refused"
    assert sandbox.enable_integration()
    assert ns.get("/record/v1/customer").status_code == 200

    assert sandbox.revoke_token()
    assert_invalid_login(ns.get("/record/v1/customer"))
    assert last_failure(sandbox)["reason"] == "token_rejected"
    assert "revoked" in last_failure(sandbox)["detail"]


def test_lowercase_realm_can_be_allowed(make_sandbox: Any, http_for: Any) -> None:
    sandbox = make_sandbox(accept_lowercase_realm=True)
    response = http_for(sandbox).get(
        "/record/v1/customer", auth=sandbox.oauth1(realm="1234567-sb1")
    )
    assert response.status_code == 200


def test_credentials_are_deterministic_from_the_seed(make_sandbox: Any) -> None:
    first, second = make_sandbox(seed=11), make_sandbox(seed=11)
    assert first.credentials == second.credentials
    assert all(len(v) == 64 for v in first.credentials.values())
    assert make_sandbox(seed=12).credentials != first.credentials


def test_explicit_credentials_are_registered(make_sandbox: Any, http_for: Any) -> None:
    explicit = {
        "consumer_key": "c" * 64,
        "consumer_secret": "d" * 64,
        "token_id": "e" * 64,
        "token_secret": "f" * 64,
    }
    sandbox = make_sandbox(credentials=explicit)
    assert sandbox.credentials == explicit
    assert http_for(sandbox).get("/record/v1/customer").status_code == 200
