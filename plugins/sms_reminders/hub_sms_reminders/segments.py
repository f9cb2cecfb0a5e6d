"""SMS encoding and segment counting (GSM 03.38 7-bit vs UCS-2)."""

from __future__ import annotations

#: The GSM 03.38 default alphabet (one septet each), without the escape character.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table: each costs two septets (escape + character).
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
#: Characters (septets or UTF-16 units) in a single segment and per segment of a long message
#: (the rest of each part carries the concatenation header).
CAPACITY = {GSM7: (160, 153), UCS2: (70, 67)}
#: The most segments a reminder may use.
MAX_SEGMENTS = 10


def encoding_of(text: str) -> str:
    """``"GSM-7"`` when every character is in the GSM alphabet, else ``"UCS-2"``."""
    allowed = GSM7_BASIC | GSM7_EXTENSION
    return GSM7 if all(ch in allowed for ch in text) else UCS2


def segments(text: str) -> tuple[str, int]:
    """Return ``(encoding, segment_count)`` for ``text`` as a carrier would split it.

    Single-segment capacity is 160 GSM-7 septets or 70 UCS-2 units; a longer text is split into
    parts of 153 or 67, and a two-unit character (a GSM escape pair, a UTF-16 surrogate pair)
    is never split across parts. An empty text needs 0 segments.
    """
    encoding = encoding_of(text)
    weights = [_weight(ch, encoding) for ch in text]
    single, multi = CAPACITY[encoding]
    if sum(weights) <= single:
        return encoding, 1 if weights else 0
    count, used = 1, 0
    for weight in weights:
        if used + weight > multi:
            count, used = count + 1, 0
        used += weight
    return encoding, count


def _weight(ch: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1
