"""Errors specific to the SMS channel, beyond the hub's taxonomy."""

from __future__ import annotations

from hub import ConfigError
from hub import RecipientOptedOut as BaseRecipientOptedOut
from hub import RecipientRejected as BaseRecipientRejected


class RecipientOptedOut(BaseRecipientOptedOut):
    """The recipient unsubscribed from this sender (replied STOP); the provider refused to send.

    Neither retryable nor an admin mistake: the collections engine should record an opt-out for
    this phone number on the SMS channel in the consent ledger (how: ``provider``, when: now) and
    suppress further SMS to it until the recipient opts back in (START).

    :param address: the E.164 number that opted out.
    :param code: the provider's error code (Twilio: 21610).
    :param provider: the provider name, e.g. ``"twilio"``.
    """

    def __init__(self, address: str, *, code: int | None = None, provider: str = "twilio") -> None:
        super().__init__(
            f"{address} has unsubscribed from SMS from this sender (replied STOP); "
            "record the opt-out and do not text this number again unless they reply START"
        )
        self.address = address
        self.code = code
        self.provider = provider


class RecipientRejected(BaseRecipientRejected):
    """The recipient number is unusable: invalid, not a mobile number, or unreachable.

    A :class:`hub.ConfigError`, so never retried; what must change is the contact's phone
    number, not the channel. The engine should fail this reminder and keep the channel running.

    :param address: the number as given (or normalised, when it got that far).
    :param code: the provider's error code, or ``None`` when refused before any request.
    """

    def __init__(self, address: str, message: str, *, code: int | None = None) -> None:
        super().__init__(
            message,
            causes=[
                "the contact's phone number is mistyped or incomplete (add the country code)",
                "the number is a landline or cannot receive SMS",
            ],
        )
        self.address = address
        self.code = code


class MessageTooLong(ConfigError):
    """The text needs more SMS segments than allowed; shorten the SMS template.

    :param encoding: ``"GSM-7"`` or ``"UCS-2"``.
    :param segments: how many segments the text would need.
    """

    def __init__(self, encoding: str, segments: int, limit: int) -> None:
        hint = (
            "; characters outside the GSM alphabet (emoji, curly quotes, some accents) force "
            "UCS-2, which fits only 70 characters per segment"
            if encoding == "UCS-2"
            else ""
        )
        super().__init__(
            f"the SMS text needs {segments} segments ({encoding}), more than the limit of "
            f"{limit}{hint}",
            causes=["the SMS template or the data merged into it is too long"],
        )
        self.encoding = encoding
        self.segments = segments
