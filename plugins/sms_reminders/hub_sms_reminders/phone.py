"""Phone number validation and E.164 normalisation with ``phonenumbers``."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

_NOT_TEXTABLE = {
    PhoneNumberType.FIXED_LINE: "a landline",
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.PAGER: "a pager number",
    PhoneNumberType.VOICEMAIL: "a voicemail access number",
}


def normalize_phone_number(address: str, default_region: str | None = None) -> str:
    """Return ``address`` as an E.164 number (``+14155550100``).

    :param default_region: ISO 3166 country code (``"US"``, ``"GB"``) used for numbers written
        without ``+`` and a country code; without it such numbers are refused.
    :raises ValueError: saying why the number is unusable for SMS.
    """
    text = address.strip()
    if not text:
        raise ValueError("the phone number is empty")
    region = default_region.upper() if default_region else None
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            raise ValueError(
                f"{text!r} has no country code: write it as +<country><number> "
                "or configure default_region"
            ) from None
        raise ValueError(f"{text!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{text!r} is not a valid phone number")
    kind = _NOT_TEXTABLE.get(phonenumbers.number_type(number))
    if kind:
        raise ValueError(f"{text!r} is {kind} and cannot receive SMS")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
