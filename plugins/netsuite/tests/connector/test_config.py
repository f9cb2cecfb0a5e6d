"""Config parsing: account-id forms, realm and host, credentials per auth method."""

from __future__ import annotations

import pytest

from hub import ConfigError
from hub.jsonschemas import secret_fields, validate_config, validate_config_schema
from hub_netsuite.connector import CONFIG_SCHEMA, AccountId, NetSuiteConnector, parse_config

TBA = {"consumer_key": "ck", "consumer_secret": "cs", "token_id": "ti", "token_secret": "ts"}


@pytest.mark.parametrize(
    ("raw", "realm", "slug"),
    [
        ("1234567", "1234567", "1234567"),
        ("1234567_SB1", "1234567_SB1", "1234567-sb1"),
        ("1234567_sb1", "1234567_SB1", "1234567-sb1"),
        ("1234567-SB1", "1234567_SB1", "1234567-sb1"),
        (" 1234567-sb2 ", "1234567_SB2", "1234567-sb2"),
        ("https://1234567-sb1.suitetalk.api.netsuite.com/", "1234567_SB1", "1234567-sb1"),
        ("1234567-sb1.app.netsuite.com", "1234567_SB1", "1234567-sb1"),
        ("tstdrv123456", "TSTDRV123456", "tstdrv123456"),
    ],
)
def test_account_id_forms(raw: str, realm: str, slug: str) -> None:
    account = AccountId.parse(raw)
    assert (account.realm, account.slug) == (realm, slug)
    assert account.default_base_url == f"https://{slug}.suitetalk.api.netsuite.com"


@pytest.mark.parametrize("raw", ["", "12 34", "1234567_XX1", "acme corp"])
def test_malformed_account_id_is_a_config_error(raw: str) -> None:
    with pytest.raises(ConfigError, match="account"):
        AccountId.parse(raw)


def test_defaults_and_base_url_override() -> None:
    parsed = parse_config({"account_id": "1234567_SB1", **TBA})
    assert parsed.auth == "tba"
    assert parsed.rest_url == "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"
    assert parsed.concurrency == 2 and parsed.page_size == 1000
    override = parse_config(
        {"account_id": "1234567", "base_url": "http://127.0.0.1:9/services/rest/", **TBA}
    )
    assert override.rest_url == "http://127.0.0.1:9/services/rest"


def test_missing_credentials_are_named_without_values() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"account_id": "1", "auth": "oauth2_m2m", "client_id": "abc"})
    assert "certificate_id" in str(caught.value) and "private_key" in str(caught.value)


def test_custom_fields_must_be_custom_field_ids() -> None:
    parsed = parse_config(
        {"account_id": "1", **TBA, "custom_fields": {"customer": ["CUSTENTITY_Region"]}}
    )
    assert parsed.custom_fields == {"customer": ("custentity_region",)}
    with pytest.raises(ConfigError, match="not custom field ids"):
        parse_config({"account_id": "1", **TBA, "custom_fields": {"invoice": ["foreigntotal"]}})


def test_schema_follows_convention_and_marks_secrets() -> None:
    validate_config_schema(CONFIG_SCHEMA, owner="netsuite")
    assert secret_fields(CONFIG_SCHEMA) == {"consumer_secret", "token_secret", "private_key"}
    validate_config(CONFIG_SCHEMA, {"account_id": "1", **TBA}, owner="netsuite")
    with pytest.raises(ConfigError):
        validate_config(CONFIG_SCHEMA, {"account_id": "1", "auth": "basic"}, owner="netsuite")


def test_budget_key_is_per_normalised_account() -> None:
    one = NetSuiteConnector({"account_id": "1234567-sb1", **TBA})
    two = NetSuiteConnector({"account_id": "1234567_SB1", **TBA})
    assert one.budget_key() == two.budget_key() == "netsuite:1234567_SB1"


def test_invalid_config_check_explains_instead_of_raising() -> None:
    result = NetSuiteConnector({"account_id": "not an id", **TBA}).check()
    assert not result.ok and "account" in result.message and result.causes
