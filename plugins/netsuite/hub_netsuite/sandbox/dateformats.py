"""Date and time formats of the sandbox: Oracle format models (TO_CHAR / TO_DATE / TO_TIMESTAMP),
NetSuite user-preference formats (``M/D/YYYY``, ``h:mm am`` ...) and the storage text of datetimes
(``YYYY-MM-DD HH:MM:SS`` in UTC).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache

from hub_netsuite.sandbox.suiteqlerrors import search_error as _search_error

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()

_ORACLE_TOKENS = (
    "YYYY", "YY", "MONTH", "MON", "MM", "DDD", "DD", "DAY", "DY", "D", "HH24", "HH12", "HH",
    "MI", "SS", "FF", "A.M.", "P.M.", "AM", "PM", "Q", "FM",
)  # fmt: skip


def _cased(text: str, token: str) -> str:
    """Oracle spells month/day names in the case of the format token (MON, Mon, mon)."""
    if token[:2].isupper():
        return text.upper()
    if token[:1].isupper():
        return text.capitalize()
    return text.lower()


@lru_cache(maxsize=256)
def _oracle_tokens(fmt: str) -> tuple[tuple[str, str], ...]:
    """Split an Oracle format model into ("tok", token) and ("lit", text) parts."""
    parts: list[tuple[str, str]] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == '"':
            end = fmt.find('"', i + 1)
            if end < 0:
                raise _search_error("Invalid date format: unterminated quoted text.")
            parts.append(("lit", fmt[i + 1 : end]))
            i = end + 1
            continue
        if not ch.isalpha():
            parts.append(("lit", ch))
            i += 1
            continue
        for token in _ORACLE_TOKENS:
            if fmt[i : i + len(token)].upper() == token:
                parts.append(("tok", fmt[i : i + len(token)]))
                i += len(token)
                break
        else:
            raise _search_error(f"Invalid date format: {fmt}.")
    return tuple(parts)


_STRFTIME = {
    "YYYY": "%Y", "MM": "%m", "DD": "%d", "DDD": "%j", "HH24": "%H", "HH12": "%I", "HH": "%I",
    "MI": "%M", "SS": "%S", "FF": "%f",
}  # fmt: skip


@lru_cache(maxsize=256)
def _oracle_formatter(fmt: str) -> Callable[[datetime], str]:
    """A fast formatter: one ``strftime`` call when the model allows it."""
    parts = _oracle_tokens(fmt)
    if all(kind == "lit" or token.upper() in _STRFTIME for kind, token in parts):
        pattern = "".join(
            token.replace("%", "%%") if kind == "lit" else _STRFTIME[token.upper()]
            for kind, token in parts
        )
        return lambda value: value.strftime(pattern)
    return lambda value: _oracle_format_parts(value, parts)


def oracle_format(value: datetime, fmt: str) -> str:
    """``TO_CHAR(value, fmt)`` for a (local, naive or aware) datetime."""
    return _oracle_formatter(fmt)(value)


def _oracle_format_parts(value: datetime, parts: tuple[tuple[str, str], ...]) -> str:
    out: list[str] = []
    fill = True
    for kind, token in parts:
        if kind == "lit":
            out.append(token)
            continue
        up = token.upper()
        if up == "FM":
            fill = not fill
            continue
        out.append(_oracle_part(value, up, token, fill))
    return "".join(out)


def _oracle_part(value: datetime, up: str, token: str, fill: bool) -> str:
    def num(n: int, width: int) -> str:
        return str(n).zfill(width) if fill else str(n)

    hour12 = value.hour % 12 or 12
    simple: dict[str, Callable[[], str]] = {
        "YYYY": lambda: str(value.year).zfill(4),
        "YY": lambda: str(value.year % 100).zfill(2),
        "MM": lambda: num(value.month, 2),
        "DD": lambda: num(value.day, 2),
        "DDD": lambda: num(value.timetuple().tm_yday, 3),
        "D": lambda: str((value.weekday() + 1) % 7 + 1),
        "HH24": lambda: num(value.hour, 2),
        "HH12": lambda: num(hour12, 2),
        "HH": lambda: num(hour12, 2),
        "MI": lambda: num(value.minute, 2),
        "SS": lambda: num(value.second, 2),
        "FF": lambda: f"{value.microsecond:06d}",
        "Q": lambda: str((value.month - 1) // 3 + 1),
    }
    if up in simple:
        return simple[up]()
    if up == "MON":
        return _cased(_MONTHS[value.month - 1][:3], token)
    if up == "MONTH":
        name = _cased(_MONTHS[value.month - 1], token)
        return name.ljust(9) if fill else name
    if up == "DY":
        return _cased(_DAYS[value.weekday()][:3], token)
    if up == "DAY":
        name = _cased(_DAYS[value.weekday()], token)
        return name.ljust(9) if fill else name
    meridian = "AM" if value.hour < 12 else "PM"
    if "." in up:
        meridian = f"{meridian[0]}.{meridian[1]}."
    return meridian if token[0].isupper() else meridian.lower()


@lru_cache(maxsize=256)
def _oracle_parser(fmt: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    pattern: list[str] = []
    groups: list[str] = []
    widths = {"YYYY": r"(\d{4})", "YY": r"(\d{2})", "DDD": r"(\d{1,3})", "FF": r"(\d{1,9})"}
    for kind, token in _oracle_tokens(fmt):
        up = token.upper()
        if kind == "lit":
            pattern.append(r"\s*" if token.isspace() else re.escape(token))
        elif up == "FM":
            continue
        elif up in ("MON", "MONTH", "DY", "DAY"):
            pattern.append(r"([A-Za-z]+)")
            groups.append(up)
        elif up in ("AM", "PM", "A.M.", "P.M."):
            pattern.append(r"([AaPp]\.?[Mm]\.?)")
            groups.append("AM")
        else:
            pattern.append(widths.get(up, r"(\d{1,2})"))
            groups.append(up)
    return re.compile("".join(pattern) + r"\s*"), tuple(groups)


def oracle_parse(text: str, fmt: str) -> datetime:
    """``TO_DATE``/``TO_TIMESTAMP``: a naive local datetime; raises SuiteQLError when unparseable."""
    regex, groups = _oracle_parser(fmt)
    match = regex.fullmatch(text.strip())
    if match is None:
        raise _search_error(f"Unparseable date: \"{text}\" does not match format '{fmt}'.")
    parts = {"YYYY": 1900, "MM": 1, "DD": 1, "HH": 0, "MI": 0, "SS": 0, "FF": 0}
    pm: bool | None = None
    for name, raw in zip(groups, match.groups(), strict=True):
        if name in ("MON", "MONTH"):
            month = _month_number(raw)
            if month is None:
                raise _search_error(f'Unparseable date: "{text}".')
            parts["MM"] = month
        elif name == "AM":
            pm = raw[0] in "Pp"
        elif name in ("DY", "DAY", "D", "Q", "DDD"):
            continue
        elif name == "YY":
            parts["YYYY"] = 2000 + int(raw)
        elif name in ("HH24", "HH12", "HH"):
            parts["HH"] = int(raw)
        elif name == "FF":
            parts["FF"] = int(raw.ljust(6, "0")[:6])
        else:
            parts[name] = int(raw)
    hour = parts["HH"]
    if pm is not None:
        hour = hour % 12 + (12 if pm else 0)
    try:
        return datetime(
            parts["YYYY"], parts["MM"], parts["DD"], hour, parts["MI"], parts["SS"], parts["FF"]
        )
    except ValueError:
        raise _search_error(f'Unparseable date: "{text}".') from None


def _month_number(name: str) -> int | None:
    for number, month in enumerate(_MONTHS, start=1):
        if month.lower().startswith(name.lower()[:3]) and len(name) >= 3:
            return number
    return None


# NetSuite user preference formats: "M/D/YYYY", "DD.MM.YYYY", "D-Mon-YYYY", "h:mm am", "H:mm" ...
_PREF_TOKENS = ("YYYY", "YY", "MONTH", "Mon", "MM", "M", "DD", "D", "HH", "H", "hh", "h", "mm",
                "ss", "am", "a")  # fmt: skip


@lru_cache(maxsize=64)
def _pref_tokens(fmt: str) -> tuple[tuple[str, str], ...]:
    parts: list[tuple[str, str]] = []
    i = 0
    while i < len(fmt):
        for token in _PREF_TOKENS:
            if fmt.startswith(token, i):
                parts.append(("tok", token))
                i += len(token)
                break
        else:
            parts.append(("lit", fmt[i]))
            i += 1
    return tuple(parts)


def pref_format(value: datetime | date, fmt: str) -> str:
    """Render ``value`` in a NetSuite preference format such as ``M/D/YYYY h:mm am``."""
    hour = value.hour if isinstance(value, datetime) else 0
    minute = value.minute if isinstance(value, datetime) else 0
    second = value.second if isinstance(value, datetime) else 0
    values = {
        "YYYY": str(value.year).zfill(4),
        "YY": str(value.year % 100).zfill(2),
        "MONTH": _MONTHS[value.month - 1],
        "Mon": _MONTHS[value.month - 1][:3],
        "MM": f"{value.month:02d}",
        "M": str(value.month),
        "DD": f"{value.day:02d}",
        "D": str(value.day),
        "HH": f"{hour:02d}",
        "H": str(hour),
        "hh": f"{hour % 12 or 12:02d}",
        "h": str(hour % 12 or 12),
        "mm": f"{minute:02d}",
        "ss": f"{second:02d}",
        "am": "am" if hour < 12 else "pm",
        "a": "am" if hour < 12 else "pm",
    }
    return "".join(values[text] if kind == "tok" else text for kind, text in _pref_tokens(fmt))


@lru_cache(maxsize=64)
def _pref_regex(fmt: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    pattern: list[str] = []
    groups: list[str] = []
    for kind, token in _pref_tokens(fmt):
        if kind == "lit":
            pattern.append(r"\s+" if token.isspace() else re.escape(token))
            continue
        groups.append(token)
        if token == "YYYY":
            pattern.append(r"(\d{4})")
        elif token in ("MONTH", "Mon"):
            pattern.append(r"([A-Za-z]+)")
        elif token in ("am", "a"):
            pattern.append(r"([AaPp][Mm])")
        elif len(token) == 2:
            pattern.append(r"(\d{2})")
        else:
            pattern.append(r"(\d{1,2})")
    return re.compile("".join(pattern)), tuple(groups)


def pref_parse(text: str, fmt: str) -> datetime | None:
    """Parse ``text`` in a preference format; a naive datetime, or None when it does not match."""
    regex, groups = _pref_regex(fmt)
    match = regex.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = 1900, 1, 1, 0, 0, 0
    pm: bool | None = None
    for token, raw in zip(groups, match.groups(), strict=True):
        if token == "YYYY":
            year = int(raw)
        elif token == "YY":
            year = 2000 + int(raw)
        elif token in ("MONTH", "Mon"):
            found = _month_number(raw)
            if found is None:
                return None
            month = found
        elif token in ("MM", "M"):
            month = int(raw)
        elif token in ("DD", "D"):
            day = int(raw)
        elif token in ("HH", "H", "hh", "h"):
            hour = int(raw)
        elif token == "mm":
            minute = int(raw)
        elif token == "ss":
            second = int(raw)
        else:
            pm = raw[0] in "Pp"
    if pm is not None:
        hour = hour % 12 + (12 if pm else 0)
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# Stored value helpers (dates 'YYYY-MM-DD', datetimes 'YYYY-MM-DD HH:MM:SS' UTC)
# --------------------------------------------------------------------------------------------


def utc_text(value: datetime) -> str:
    """Storage text of an aware datetime (UTC, seconds precision)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def parse_utc_text(text: str) -> datetime:
    """An aware UTC datetime from its storage text."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
