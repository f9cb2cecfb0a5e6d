"""Email address validation: one addr-spec, ASCII local part, a real-looking domain."""

from __future__ import annotations

import re
from email.utils import getaddresses

# RFC 5322 "atext" plus the dot; quoted local parts are refused on purpose (nobody bills them).
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(xn--[a-z0-9-]+|[a-z]{2,63})$")


def normalize_email_address(address: str) -> str:
    """Return the bare address (``local@domain``) with a lower-case ASCII (IDNA) domain.

    Accepts ``"Name <local@domain>"`` and surrounding blanks. Refuses lists of addresses,
    quoted or non-ASCII local parts, IP literals and domains without a dot.

    :raises ValueError: saying what is wrong with the address.
    """
    text = address.strip()
    if not text:
        raise ValueError("the address is empty")
    if any(ch in text for ch in "\r\n\t\0"):
        raise ValueError("the address contains control characters")
    parsed = getaddresses([text])
    if len(parsed) != 1 or not parsed[0][1]:
        raise ValueError(f"{text!r} is not exactly one email address")
    addr = parsed[0][1]
    if addr.count("@") != 1:
        raise ValueError(f"{addr!r} must contain exactly one '@'")
    local, domain = addr.split("@")
    if not 1 <= len(local) <= 64 or not _LOCAL_PART.match(local):
        raise ValueError(f"the part before '@' in {addr!r} is not a plain mailbox name")
    return f"{local}@{_normalize_domain(domain, addr)}"


def _normalize_domain(domain: str, addr: str) -> str:
    if domain.startswith("["):
        raise ValueError(f"{addr!r} uses an IP address instead of a domain")
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValueError(f"the domain of {addr!r} is not a valid domain name") from None
    labels = ascii_domain.split(".")
    if (
        len(ascii_domain) > 253
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or not _TLD.match(labels[-1])
    ):
        raise ValueError(f"the domain of {addr!r} is not a valid domain name")
    return ascii_domain
