"""A small client for the Twilio Messages REST API (and compatible providers).

Only two calls: create a message and fetch the account. Every failure is translated into the
hub's taxonomy here, so the notifier never sees ``requests`` exceptions.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from hub import AuthenticationError, ConfigError, HubError, TransientError
from hub_sms_reminders.errors import RecipientOptedOut, RecipientRejected
from hub_sms_reminders.settings import SmsSettings

API_VERSION = "2010-04-01"
#: Header carrying the idempotency key: providers that honour it return the first message
#: for a repeated token instead of sending again.
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
USER_AGENT = "collections-hub-sms-reminders/0.1"

_TOKEN = re.compile(r"^[!-~]{1,128}$")

OPTED_OUT_CODES = frozenset({21610})
RECIPIENT_CODES = frozenset({21211, 21217, 21612, 21614, 21421})
SENDER_CODES = frozenset({21212, 21606, 21659, 21660, 21661})
SERVICE_CODES = frozenset({21701, 21703, 21704, 21705})
_AUTH_CAUSES = [
    "account_sid or auth_token is wrong (the token changes when it is rotated in the console)",
    "these are test credentials, or the credentials of another (sub)account",
]


class TwilioClient:
    """Calls the provider with HTTP basic auth (account SID, auth token).

    :param session: a ``requests.Session`` to reuse connections; the caller owns and closes it.
    """

    def __init__(self, settings: SmsSettings, session: requests.Session) -> None:
        self.settings = settings
        self.session = session
        self.account_url = f"{settings.base_url}/{API_VERSION}/Accounts/{settings.account_sid}"

    def create_message(self, to: str, body: str, idempotency_key: str) -> dict[str, Any]:
        """POST one message and return the provider's message resource (``sid``, ``status``...).

        :raises RecipientOptedOut: the recipient replied STOP to this sender (Twilio 21610).
        :raises RecipientRejected: the number is invalid or cannot receive SMS.
        :raises hub.TransientError: connection problems, 429 and 5xx (``retry_after`` set when
            the provider sent ``Retry-After``).
        :raises hub.ConfigError: credentials, sender or account problems, with ``causes``.
        """
        s = self.settings
        form = {"To": to, "Body": body}
        if s.messaging_service_sid:
            form["MessagingServiceSid"] = s.messaging_service_sid
        else:
            form["From"] = s.from_number or ""
        if s.status_callback:
            form["StatusCallback"] = s.status_callback
        response = self._request(
            "POST",
            f"{self.account_url}/Messages.json",
            form,
            {IDEMPOTENCY_HEADER: idempotency_token(idempotency_key)},
        )
        data = _json(response)
        if response.status_code in (200, 201):
            error_code = data.get("error_code")
            if error_code:
                raise self._client_error(int(error_code), str(data.get("error_message")), to)
            if not data.get("sid"):
                raise TransientError(
                    f"the SMS provider accepted the message but sent no sid: {data}"
                )
            return data
        raise self._http_error(response, data, to)

    def fetch_account(self) -> dict[str, Any]:
        """GET the account resource (``status`` is ``active``, ``suspended`` or ``closed``)."""
        response = self._request("GET", f"{self.account_url}.json")
        data = _json(response)
        if response.status_code == 200:
            return data
        raise self._http_error(response, data, None)

    def _request(
        self,
        method: str,
        url: str,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        s = self.settings
        try:
            return self.session.request(
                method,
                url,
                data=form,
                headers={"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})},
                auth=(s.account_sid, s.auth_token),
                timeout=s.timeout,
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as exc:
            raise ConfigError(
                f"TLS with the SMS provider at {s.base_url} failed: {type(exc).__name__}",
                path="$.base_url",
                causes=[
                    "base_url points at a server whose certificate this machine does not trust",
                    "a proxy intercepts TLS; add its CA to the system store (REQUESTS_CA_BUNDLE)",
                ],
            ) from None
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as exc:
            raise ConfigError(f"base_url is not usable: {exc}", path="$.base_url") from None
        except requests.exceptions.Timeout:
            raise TransientError(
                f"the SMS provider at {s.base_url} did not answer within {s.timeout:g} s"
            ) from None
        except requests.exceptions.ConnectionError:
            raise TransientError(f"could not connect to the SMS provider at {s.base_url}") from None

    def _http_error(
        self, response: requests.Response, data: dict[str, Any], to: str | None
    ) -> HubError:
        status = response.status_code
        code = _int(data.get("code"))
        said = _describe(response, data)
        if status == 429 or status >= 500 or code == 20429:
            return TransientError(said, retry_after=retry_after(response.headers))
        if status == 401:
            return AuthenticationError(said, path="$.auth_token", causes=_AUTH_CAUSES)
        if status == 403:
            return AuthenticationError(
                said,
                path="$.account_sid",
                causes=[
                    "the account is suspended or closed",
                    "these credentials may not use this resource (a restricted API key)",
                ],
            )
        if status == 404:
            return ConfigError(
                said,
                path="$.account_sid",
                causes=[
                    "account_sid does not exist or belongs to another region's API",
                    "base_url does not point at a Twilio-compatible API",
                ],
            )
        if code is not None and to is not None:
            return self._client_error(code, str(data.get("message", "")), to)
        return ConfigError(said, causes=["the provider refused the request; see its message"])

    def _client_error(self, code: int, message: str, to: str) -> HubError:
        said = f"the SMS provider refused the message (error {code}): {message}"
        if code in OPTED_OUT_CODES:
            return RecipientOptedOut(to, code=code, provider=self.settings.provider)
        if code in RECIPIENT_CODES:
            return RecipientRejected(to, said, code=code)
        if code == 21408:
            return ConfigError(
                said,
                causes=[
                    "sending to this country is not enabled: allow it in the provider's "
                    "SMS geographic permissions",
                ],
            )
        if code in SENDER_CODES:
            return ConfigError(
                said,
                path="$.from_number",
                causes=[
                    "from_number is not a number of this account, or cannot send SMS",
                    "alphanumeric sender IDs are not allowed for this destination",
                ],
            )
        if code in SERVICE_CODES:
            return ConfigError(
                said,
                path="$.messaging_service_sid",
                causes=["the messaging service does not exist or has no sender numbers"],
            )
        return ConfigError(said, causes=[f"see the provider's documentation of error {code}"])


def idempotency_token(key: str) -> str:
    """The header value for ``key``: the key itself when it is 1–128 printable ASCII characters,
    otherwise its SHA-256 hex digest (same key, same token)."""
    if _TOKEN.match(key):
        return key
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    value = headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _describe(response: requests.Response, data: dict[str, Any]) -> str:
    text = f"the SMS provider answered HTTP {response.status_code}"
    if data.get("code"):
        text += f" (error {data['code']})"
    if data.get("message"):
        text += f": {data['message']}"
    return text
