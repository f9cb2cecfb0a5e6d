"""SuiteQL for the sandbox: Oracle-flavoured SQL translated to SQLite with sqlglot, and rendered
the way NetSuite renders SuiteQL results (every value a string, 'T'/'F', lower-case keys, NULLs
omitted, dates in the user's preference format and the account time zone).

The translation works on sqlglot's syntax tree only: the query is parsed with a SuiteQL flavour of
sqlglot's Oracle parser, checked against the catalog of `schema.py`, qualified, rewritten (NetSuite
built-ins, Oracle date semantics, ROWNUM) and generated as SQLite. Date functions run as Python
functions registered on the SQLite connection, so they know the account time zone.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlglot
from sqlglot import exp
from sqlglot.dialects.oracle import Oracle
from sqlglot.errors import OptimizeError, ParseError, SqlglotError, TokenError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope
from sqlglot.parsers.oracle import OracleParser
from sqlglot.tokenizer_core import TokenType

from hub_netsuite.sandbox import schema

_PREFIX = "Invalid search query. Detailed unprocessed description follows. "
UNSUPPORTED_DETAIL = _PREFIX + "Invalid or unsupported search."
MAX_IN_LIST = 1000


class SuiteQLError(Exception):
    """A query NetSuite would refuse: becomes a 400 ``o:errorDetails`` body (see server)."""

    def __init__(
        self,
        detail: str,
        code: str = "INVALID_PARAMETER",
        status: int = 400,
        query_param: str | None = "q",
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status
        self.query_param = query_param


def unknown_identifier(name: str, sources: dict[str, str]) -> SuiteQLError:
    """NetSuite's wording for a column it does not know (LIVE capture, reference §4.7)."""
    listed = ", ".join(f"{alias}={table}" for alias, table in sources.items())
    return SuiteQLError(
        _PREFIX + f"Search error occurred: Unknown identifier '{name}'. "
        f"Available identifiers are: {{{listed}}}."
    )


def unknown_table(name: str) -> SuiteQLError:
    """NetSuite's wording for a table (search type) that does not exist."""
    return SuiteQLError(_PREFIX + f"Search error occurred: Invalid search type: {name}.")


def hidden_table(name: str) -> SuiteQLError:
    """NetSuite's wording for a table the role may not see."""
    return SuiteQLError(f"Record '{name}' was not found.")


def unsupported() -> SuiteQLError:
    """NetSuite's wording for syntax it does not accept (WITH, LIMIT, date literals, ...)."""
    return SuiteQLError(UNSUPPORTED_DETAIL)


def _search_error(text: str) -> SuiteQLError:
    return SuiteQLError(_PREFIX + f"Search error occurred: {text}")


# --------------------------------------------------------------------------------------------
# Date formats: Oracle format models (TO_CHAR / TO_DATE) and NetSuite user preferences
# --------------------------------------------------------------------------------------------

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


def format_number(value: int | float | Decimal) -> str:
    """NetSuite-style number text: no trailing '.0', decimals as they are."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = format(value, ".15g")
        if "e" in text:
            text = format(Decimal(text), "f")
        return text
    text = format(value.normalize(), "f")
    return text


@dataclass(frozen=True)
class Rendering:
    """What SuiteQL rendering depends on: the account time zone, user formats and the clock."""

    timezone: ZoneInfo
    date_format: str
    datetime_format: str
    now: Callable[[], datetime]

    def local(self, stored: str) -> datetime:
        """A stored value (date or UTC datetime text) as a naive local datetime."""
        if len(stored) == 10:
            return datetime.fromisoformat(stored)
        return parse_utc_text(stored).astimezone(self.timezone).replace(tzinfo=None)

    def from_local(self, value: datetime) -> str:
        """Storage text (UTC) of a naive local datetime."""
        return utc_text(value.replace(tzinfo=self.timezone))


# --------------------------------------------------------------------------------------------
# Functions registered on SQLite connections
# --------------------------------------------------------------------------------------------

_udf_state = threading.local()


def _guard(func: Callable[..., Any]) -> Callable[..., Any]:
    """Keep a SuiteQLError raised inside SQLite so the caller can re-raise it."""

    def wrapper(*args: Any) -> Any:
        try:
            return func(*args)
        except SuiteQLError as error:
            _udf_state.error = error
            raise

    return wrapper


def register_functions(conn: sqlite3.Connection, rendering: Rendering) -> None:
    """Register the NS_* functions the translated SQL calls."""
    tz = rendering.timezone

    @lru_cache(maxsize=65536)
    def date_text_format(value: str, fmt: str) -> str:
        return oracle_format(datetime.fromisoformat(value), fmt)

    def to_char(value: Any, fmt: Any = None) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and _looks_temporal(value):
            if fmt is None:
                return render_temporal(value, "date" if len(value) == 10 else "datetime", rendering)
            if len(value) == 10:
                return date_text_format(value, str(fmt))
            local = parse_utc_text(value).astimezone(tz)
            return oracle_format(local, str(fmt))
        if isinstance(value, int | float):
            return format_number(value)
        return str(value)

    def to_date(value: Any, fmt: Any = None) -> str | None:
        if value is None:
            return None
        text = str(value)
        if fmt is None:
            parsed = pref_parse(text, rendering.date_format) or pref_parse(
                text, rendering.datetime_format
            )
            if parsed is None:
                raise _search_error(f'Unparseable date: "{text}".')
            return rendering.from_local(parsed)
        return rendering.from_local(oracle_parse(text, str(fmt)))

    def sysdate() -> str:
        return utc_text(rendering.now())

    def trunc(value: Any, unit: Any = None) -> Any:
        if value is None:
            return None
        if isinstance(value, int | float):
            digits = int(unit or 0)
            scaled = Decimal(str(value)).scaleb(digits)
            return float(int(scaled) / Decimal(10) ** digits) if digits else int(value)
        text = str(value)
        local = rendering.local(text)
        up = str(unit or "DD").upper()
        if up in ("MM", "MON", "MONTH"):
            local = local.replace(day=1)
        elif up in ("YYYY", "YEAR", "YY"):
            local = local.replace(month=1, day=1)
        local = datetime.combine(local.date(), time())
        return local.date().isoformat() if len(text) == 10 else rendering.from_local(local)

    def local_date(value: Any) -> str | None:
        if value is None:
            return None
        return rendering.local(str(value)).date().isoformat()

    def pref_value(value: Any, rep: str) -> str | None:
        if value is None:
            return None
        text = str(value)
        parsed = pref_parse(text, rendering.datetime_format) or pref_parse(
            text, rendering.date_format
        )
        if parsed is None:
            raise _search_error(f'Unparseable date: "{text}".')
        return parsed.date().isoformat() if rep == "d10" else rendering.from_local(parsed)

    def days_between(left: Any, right: Any) -> float | None:
        if left is None or right is None:
            return None
        delta = rendering.local(str(left)) - rendering.local(str(right))
        return delta.total_seconds() / 86400

    def add_days(value: Any, days: Any) -> str | None:
        if value is None or days is None:
            return None
        text = str(value)
        moved = rendering.local(text) + timedelta(days=float(days))
        return moved.date().isoformat() if len(text) == 10 else rendering.from_local(moved)

    functions: list[tuple[str, int, Callable[..., Any]]] = [
        ("NS_TO_CHAR", 1, to_char),
        ("NS_TO_CHAR", 2, to_char),
        ("NS_TO_DATE", 1, to_date),
        ("NS_TO_DATE", 2, to_date),
        ("NS_TO_TIMESTAMP", 1, to_date),
        ("NS_TO_TIMESTAMP", 2, to_date),
        ("NS_SYSDATE", 0, sysdate),
        ("NS_TRUNC", 1, trunc),
        ("NS_TRUNC", 2, trunc),
        ("NS_LOCAL_DATE", 1, local_date),
        ("NS_PREF_VALUE", 2, pref_value),
        ("NS_DAYS_BETWEEN", 2, days_between),
        ("NS_ADD_DAYS", 2, add_days),
    ]
    for name, nargs, func in functions:
        conn.create_function(name, nargs, _guard(func), deterministic=True)
    conn.create_aggregate("NS_SUM", 1, _DecimalSum)  # type: ignore[arg-type]


class _DecimalSum:
    """``SUM`` without binary floating-point noise (money adds up exactly, as in NetSuite)."""

    def __init__(self) -> None:
        self.total = Decimal(0)
        self.exact = True
        self.seen = False

    def step(self, value: Any) -> None:
        if value is None:
            return
        self.seen = True
        if isinstance(value, int):
            self.total += value
        elif isinstance(value, float):
            self.exact = False
            self.total += Decimal(repr(value))
        else:
            try:
                self.total += Decimal(str(value))
            except ArithmeticError:
                self.exact = False

    def finalize(self) -> int | float | None:
        if not self.seen:
            return None
        if self.exact and self.total == self.total.to_integral_value():
            return int(self.total)
        return float(self.total)


def _looks_temporal(value: str) -> bool:
    n = len(value)
    return (n == 10 or n == 19) and value[4:5] == "-" and value[7:8] == "-" and value[:4].isdigit()


def render_temporal(value: str, kind: str, rendering: Rendering) -> str:
    """Render a stored date/datetime the way unwrapped SuiteQL columns come back."""
    if kind == "date":
        if len(value) == 10:
            return _render_date(value, rendering.date_format)
        return pref_format(rendering.local(value), rendering.date_format)
    return pref_format(rendering.local(value), rendering.datetime_format)


@lru_cache(maxsize=65536)
def _render_date(value: str, fmt: str) -> str:
    return pref_format(date.fromisoformat(value), fmt)


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def _ns_function(name: str) -> Callable[[list[exp.Expr]], exp.Expr]:
    def build(args: list[exp.Expr]) -> exp.Expr:
        return exp.Anonymous(this=name, expressions=args)

    return build


class _SuiteQLParser(OracleParser):
    """Oracle parser that keeps the Oracle date functions intact and numbers ``?`` by position."""

    FUNCTIONS = {
        **OracleParser.FUNCTIONS,
        "TO_CHAR": _ns_function("NS_TO_CHAR"),
        "TO_DATE": _ns_function("NS_TO_DATE"),
        "TO_TIMESTAMP": _ns_function("NS_TO_TIMESTAMP"),
        "TRUNC": _ns_function("NS_TRUNC"),
    }
    PLACEHOLDER_PARSERS = {
        **OracleParser.PLACEHOLDER_PARSERS,
        TokenType.PLACEHOLDER: lambda self: self.expression(
            exp.Placeholder(this=f"nsq{self._index:06d}")
        ),
    }


_ORACLE = Oracle()


def parse_suiteql(query: str) -> exp.Expr:
    """Parse one SuiteQL statement; SuiteQLError for syntax NetSuite would refuse."""
    try:
        tokens = _ORACLE.tokenize(query)
        statements = _SuiteQLParser(dialect=_ORACLE).parse(tokens, query)
    except (ParseError, TokenError):
        raise unsupported() from None
    if len(statements) != 1 or statements[0] is None:
        raise unsupported()
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        raise unsupported()
    return statement


# --------------------------------------------------------------------------------------------
# Translation
# --------------------------------------------------------------------------------------------

_LITERAL_DATES = (exp.DateStrToDate, exp.StrToTime, exp.StrToDate, exp.TimeStrToTime)
_NOW_NODES = (exp.CurrentTimestamp, exp.CurrentDate, exp.Localtimestamp, exp.Systimestamp)


@dataclass(frozen=True)
class Translation:
    """A SuiteQL query translated once and cached by its text."""

    page_sql: str
    count_sql: str
    param_names: tuple[str, ...]
    names: tuple[str, ...]
    kinds: tuple[str | None, ...]
    uses_now: bool


@dataclass
class SuiteQLResult:
    """One page of a SuiteQL result, rendered; plus the full result's row count."""

    items: list[dict[str, str]]
    total_results: int


@dataclass
class _ColumnInfo:
    table: str | None
    kind: str | None


@dataclass
class _Context:
    columns: dict[int, _ColumnInfo] = field(default_factory=dict)


class Translator:
    """Turns SuiteQL text into SQLite SQL for one account's feature set."""

    def __init__(self, *, oneworld: bool, hidden_tables: frozenset[str] = frozenset()) -> None:
        self.oneworld = oneworld
        self.hidden_tables = frozenset(t.lower() for t in hidden_tables)
        self.schema: dict[str, object] = {
            table: {c.name: "TEXT" for c in schema.visible_columns(table, oneworld=oneworld)}
            for table in schema.TABLES
            if table not in self.hidden_tables
        }

    def translate(self, query: str) -> Translation:
        """Translate ``query``; raises SuiteQLError with NetSuite's wording when it is refused."""
        tree = parse_suiteql(query)
        uses_now = self._prepare(tree)
        try:
            tree = qualify(
                tree,
                schema=self.schema,
                dialect="sqlite",
                validate_qualify_columns=True,
                quote_identifiers=False,
                identify=False,
            )
        except OptimizeError as error:
            raise self._identifier_error(error, tree) from None
        except SqlglotError:
            raise unsupported() from None
        if not isinstance(tree, exp.Query):
            raise unsupported()
        context = self._collect_columns(tree)
        self._rewrite_dates(tree, context)
        self._rewrite_builtins(tree, context)
        self._rewrite_concat(tree)
        self._rewrite_ordering(tree)
        for total in list(tree.find_all(exp.Sum)):
            if not isinstance(total.parent, exp.Window) and not total.args.get("distinct"):
                total.replace(_call("NS_SUM", total.this))
        names, kinds = self._outputs(tree, context)
        placeholders = sorted({p.name for p in tree.find_all(exp.Placeholder)})
        renamed = {old: f"p{i}" for i, old in enumerate(placeholders, start=1)}
        for placeholder in tree.find_all(exp.Placeholder):
            placeholder.set("this", renamed[placeholder.name])
        return Translation(
            page_sql=self._page_sql(tree),
            count_sql=self._count_sql(tree),
            param_names=tuple(renamed[p] for p in placeholders),
            names=names,
            kinds=kinds,
            uses_now=uses_now,
        )

    # -- before qualification ---------------------------------------------------------------
    def _prepare(self, tree: exp.Expr) -> bool:
        """Refuse what NetSuite refuses; map built-ins, ROWNUM and SYSDATE. True if clock used."""
        if tree.find(exp.With, exp.CTE, exp.Limit) is not None:
            raise unsupported()
        if tree.find(*_LITERAL_DATES) is not None:
            raise unsupported()
        for node in tree.find_all(exp.In):
            if len(node.expressions) > MAX_IN_LIST:
                raise _search_error(f"IN lists are limited to {MAX_IN_LIST} values.")
        for table in tree.find_all(exp.Table):
            name = table.name.lower()
            if table.args.get("db") is not None or not name:
                raise unknown_table(table.sql("oracle"))
            if name in self.hidden_tables:
                raise hidden_table(name)
            if name not in schema.TABLES:
                raise unknown_table(table.name)
        for dot in list(tree.find_all(exp.Dot)):
            left, right = dot.this, dot.expression
            if isinstance(left, exp.Identifier | exp.Column) and left.name.upper() == "BUILTIN":
                if not isinstance(right, exp.Anonymous) or right.name.upper() not in ("DF", "CF"):
                    raise unsupported()
                dot.replace(
                    exp.Anonymous(this=f"NS_{right.name.upper()}", expressions=right.expressions)
                )
        uses_now = False
        for now_node in list(tree.find_all(*_NOW_NODES)):
            now_node.replace(exp.Anonymous(this="NS_SYSDATE", expressions=[]))
            uses_now = True
        for select in list(tree.find_all(exp.Select)):
            self._rewrite_rownum(select)
        return uses_now

    @staticmethod
    def _is_rownum(node: exp.Expr) -> bool:
        return isinstance(node, exp.Column) and not node.table and node.name.upper() == "ROWNUM"

    def _rewrite_rownum(self, select: exp.Select) -> None:
        where = select.args.get("where")
        limit: int | None = None
        if where is not None:
            kept: list[exp.Expr] = []
            for condition in (
                where.this.flatten() if isinstance(where.this, exp.And) else [where.this]
            ):
                bound = self._rownum_bound(condition)
                if bound is None:
                    kept.append(condition)
                else:
                    limit = bound if limit is None else min(limit, bound)
            if limit is not None:
                if kept:
                    select.set("where", exp.Where(this=exp.and_(*kept)))
                else:
                    select.set("where", None)
        for node in list(select.find_all(exp.Column)):
            if self._is_rownum(node) and _owning_select(node) is select:
                if node.find_ancestor(exp.Where) is not None:
                    raise unsupported()
                node.replace(exp.Window(this=exp.RowNumber()))
        if limit is not None:
            existing = select.args.get("limit")
            if existing is None:
                select.set("limit", exp.Limit(expression=exp.Literal.number(limit)))
            elif isinstance(existing, exp.Fetch) and existing.args.get("count") is not None:
                count = existing.args["count"]
                if not count.is_int:
                    raise unsupported()
                existing.set("count", exp.Literal.number(min(int(count.name), limit)))
            else:
                raise unsupported()

    def _rownum_bound(self, node: exp.Expr) -> int | None:
        """The row limit of ``ROWNUM <= n`` style conditions, or None for other conditions."""
        pairs = {exp.LTE: 0, exp.LT: -1, exp.EQ: 0}
        flipped = {exp.GTE: 0, exp.GT: -1, exp.EQ: 0}
        for cls, delta in pairs.items():
            if isinstance(node, cls) and self._is_rownum(node.this) and node.expression.is_int:
                value = int(node.expression.name)
                if cls is exp.EQ and value != 1:
                    raise unsupported()
                return max(value + delta, 0)
        for cls, delta in flipped.items():
            if isinstance(node, cls) and self._is_rownum(node.expression) and node.this.is_int:
                value = int(node.this.name)
                return max(value + delta, 0)
        return None

    def _identifier_error(self, error: OptimizeError, tree: exp.Expr) -> SuiteQLError:
        message = str(error)
        match = re.search(r"Column '([^']+)'", message) or re.search(r"column: (\S+)", message)
        name = match.group(1) if match else "?"
        sources: dict[str, str] = {}
        if isinstance(tree, exp.Select):
            for table in tree.find_all(exp.Table):
                if _owning_select(table) is tree:
                    sources[(table.alias or table.name).lower()] = table.name.lower()
        return unknown_identifier(name, sources)

    # -- after qualification ----------------------------------------------------------------
    def _collect_columns(self, tree: exp.Expr) -> _Context:
        context = _Context()
        derived: dict[int, dict[str, str | None]] = {}
        for scope in traverse_scope(tree):
            for column in scope.columns:
                context.columns[id(column)] = self._resolve(scope, column, derived)
            if isinstance(scope.expression, exp.Select):
                kinds = {
                    projection.alias_or_name.lower(): self._kind(projection, context)
                    for projection in scope.expression.expressions
                }
                derived[id(scope.expression)] = kinds
            elif isinstance(scope.expression, exp.SetOperation):
                left = scope.expression.left
                if isinstance(left, exp.Select):
                    derived[id(scope.expression)] = {
                        p.alias_or_name.lower(): self._kind(p, context) for p in left.expressions
                    }
        return context

    def _resolve(
        self, scope: Scope, column: exp.Column, derived: dict[int, dict[str, str | None]]
    ) -> _ColumnInfo:
        current: Scope | None = scope
        while current is not None:
            source = current.sources.get(column.table)
            if isinstance(source, exp.Table):
                table = source.name.lower()
                return _ColumnInfo(table, schema.column_kind(table, column.name.lower()))
            if isinstance(source, Scope):
                kinds = derived.get(id(source.expression), {})
                return _ColumnInfo(None, kinds.get(column.name.lower()))
            current = current.parent
        return _ColumnInfo(None, None)

    def _kind(self, node: exp.Expr, context: _Context) -> str | None:
        """Rendering kind of an expression: 'date', 'datetime' or None (plain value)."""
        if isinstance(node, exp.Alias | exp.Paren):
            return self._kind(node.this, context)
        if isinstance(node, exp.Column):
            info = context.columns.get(id(node))
            kind = info.kind if info else None
            return kind if kind in ("date", "datetime") else None
        if isinstance(node, exp.Anonymous):
            name = node.name.upper()
            if name in ("NS_TO_DATE", "NS_LOCAL_DATE"):
                return "date"
            if name in ("NS_TO_TIMESTAMP", "NS_SYSDATE"):
                return "datetime"
            if name == "NS_TRUNC" and node.expressions:
                return "date" if self._kind(node.expressions[0], context) else None
            if name == "NS_ADD_DAYS" and node.expressions:
                return self._kind(node.expressions[0], context)
            return None
        if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Select):
            projections = node.this.expressions
            return self._kind(projections[0], context) if len(projections) == 1 else None
        if isinstance(node, exp.Coalesce | exp.Max | exp.Min | exp.Case | exp.If | exp.Greatest):
            for child in _value_children(node):
                kind = self._kind(child, context)
                if kind:
                    return kind
        return None

    def _rep(self, node: exp.Expr, context: _Context) -> str | None:
        """Storage form of a temporal expression: 'd10' (local date) or 'ts' (UTC datetime)."""
        if isinstance(node, exp.Paren):
            return self._rep(node.this, context)
        if isinstance(node, exp.Column):
            info = context.columns.get(id(node))
            kind = info.kind if info else None
            return {"date": "d10", "datetime": "ts"}.get(kind or "")
        if isinstance(node, exp.Anonymous):
            name = node.name.upper()
            if name in ("NS_TO_DATE", "NS_TO_TIMESTAMP", "NS_SYSDATE"):
                return "ts"
            if name == "NS_LOCAL_DATE":
                return "d10"
            if name in ("NS_TRUNC", "NS_ADD_DAYS") and node.expressions:
                return self._rep(node.expressions[0], context)
            return None
        if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Select):
            projections = node.this.expressions
            if len(projections) == 1:
                inner = projections[0]
                return self._rep(inner.this if isinstance(inner, exp.Alias) else inner, context)
            return None
        if isinstance(node, exp.Coalesce | exp.Max | exp.Min | exp.Case | exp.If | exp.Greatest):
            for child in _value_children(node):
                rep = self._rep(child, context)
                if rep:
                    return rep
        return None

    def _rewrite_dates(self, tree: exp.Expr, context: _Context) -> None:
        """Oracle date semantics: comparisons across date forms, implicit string dates, math."""
        comparisons = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
        for node in list(tree.find_all(*comparisons)):
            self._align(node.this, node.expression, context)
        for between in list(tree.find_all(exp.Between)):
            self._align(between.this, between.args["low"], context)
            self._align(between.this, between.args["high"], context)
        for in_node in list(tree.find_all(exp.In)):
            for value in list(in_node.expressions):
                self._align(in_node.this, value, context)
        for node in list(tree.find_all(exp.Sub, exp.Add)):
            left, right = node.this, node.expression
            lrep, rrep = self._rep(left, context), self._rep(right, context)
            if isinstance(node, exp.Sub) and lrep and rrep:
                node.replace(_call("NS_DAYS_BETWEEN", left, right))
            elif lrep and not rrep:
                days = exp.Neg(this=right) if isinstance(node, exp.Sub) else right
                node.replace(_call("NS_ADD_DAYS", left, days))
            elif rrep and not lrep and isinstance(node, exp.Add):
                node.replace(_call("NS_ADD_DAYS", right, left))

    def _align(self, left: exp.Expr, right: exp.Expr, context: _Context) -> None:
        lrep, rrep = self._rep(left, context), self._rep(right, context)
        if lrep == "d10" and rrep == "ts":
            right.replace(_call("NS_LOCAL_DATE", right.copy()))
        elif lrep == "ts" and rrep == "d10":
            left.replace(_call("NS_LOCAL_DATE", left.copy()))
        elif lrep and rrep is None and _is_text_value(right):
            right.replace(_call("NS_PREF_VALUE", right.copy(), exp.Literal.string(lrep)))
        elif rrep and lrep is None and _is_text_value(left):
            left.replace(_call("NS_PREF_VALUE", left.copy(), exp.Literal.string(rrep)))

    def _rewrite_builtins(self, tree: exp.Expr, context: _Context) -> None:
        for node in list(tree.find_all(exp.Anonymous)):
            name = node.name.upper()
            if name not in ("NS_DF", "NS_CF"):
                continue
            if len(node.expressions) != 1:
                raise unsupported()
            arg = node.expressions[0]
            info = context.columns.get(id(arg)) if isinstance(arg, exp.Column) else None
            ref = (
                schema.column_ref(info.table, arg.name.lower())
                if info is not None and info.table and isinstance(arg, exp.Column)
                else None
            )
            if name == "NS_CF":
                replacement = (
                    _status_key(arg) if ref == "status" and isinstance(arg, exp.Column) else arg
                )
            elif ref is None or not isinstance(arg, exp.Column):
                replacement = arg
            else:
                replacement = _display_value(arg, ref)
            node.replace(replacement.copy() if replacement is arg else replacement)

    @staticmethod
    def _rewrite_concat(tree: exp.Expr) -> None:
        """Oracle ``||`` treats NULL as an empty string."""
        for node in list(tree.find_all(exp.DPipe)):
            for key in ("this", "expression"):
                operand = node.args[key]
                if isinstance(operand, exp.DPipe) or (
                    isinstance(operand, exp.Literal) and operand.is_string
                ):
                    continue
                node.set(key, exp.Coalesce(this=operand, expressions=[exp.Literal.string("")]))

    @staticmethod
    def _rewrite_ordering(tree: exp.Expr) -> None:
        """Oracle sorts NULLs last; internal ids are never NULL, so let SQLite use its index."""
        for node in tree.find_all(exp.Ordered):
            column = node.this
            if isinstance(column, exp.Column) and column.name.lower() == "id":
                node.set("nulls_first", not node.args.get("desc"))

    def _outputs(
        self, tree: exp.Query, context: _Context
    ) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
        select = tree
        while isinstance(select, exp.SetOperation):
            select = select.left
        if not isinstance(select, exp.Select):
            raise unsupported()
        names: list[str] = []
        kinds: list[str | None] = []
        unnamed = 0
        for projection in select.expressions:
            name = projection.alias_or_name.lower()
            if name.startswith("_col_"):
                unnamed += 1
                name = f"expr{unnamed}"
            names.append(name)
            kinds.append(self._kind(projection, context))
        return tuple(names), tuple(kinds)

    @staticmethod
    def _page_sql(tree: exp.Query) -> str:
        limit = exp.Placeholder(this="ns_limit")
        offset = exp.Placeholder(this="ns_offset")
        if (
            isinstance(tree, exp.Select)
            and tree.args.get("limit") is None
            and tree.args.get("offset") is None
        ):
            paged: exp.Query = tree.copy()
            paged.set("limit", exp.Limit(expression=limit))
            paged.set("offset", exp.Offset(expression=offset))
        else:
            paged = exp.select("*").from_(tree.copy().subquery("ns_page"))
            paged.set("limit", exp.Limit(expression=limit))
            paged.set("offset", exp.Offset(expression=offset))
        return paged.sql(dialect="sqlite", identify=True)

    @staticmethod
    def _count_sql(tree: exp.Query) -> str:
        inner: exp.Query = tree.copy()
        if (
            isinstance(inner, exp.Select)
            and not inner.args.get("distinct")
            and not inner.args.get("group")
            and not inner.args.get("having")
            and not any(
                isinstance(node, exp.AggFunc | exp.Window)
                or (isinstance(node, exp.Anonymous) and node.name.upper() == "NS_SUM")
                for projection in inner.expressions
                for node in projection.walk()
            )
        ):
            inner.set("expressions", [exp.Literal.number(1)])
            inner.set("order", None)
        counted = exp.select(exp.Count(this=exp.Star())).from_(inner.subquery("ns_count"))
        return counted.sql(dialect="sqlite", identify=True)


def _owning_select(node: exp.Expr) -> exp.Expr | None:
    return node.find_ancestor(exp.Select)


def _value_children(node: exp.Expr) -> list[exp.Expr]:
    if isinstance(node, exp.Case):
        values = [branch.args["true"] for branch in node.args.get("ifs") or []]
        default = node.args.get("default")
        return values + ([default] if default is not None else [])
    if isinstance(node, exp.If):
        return [v for v in (node.args.get("true"), node.args.get("false")) if v is not None]
    children = [node.this] if isinstance(node.this, exp.Expr) else []
    return children + list(node.expressions)


def _is_text_value(node: exp.Expr) -> bool:
    return isinstance(node, exp.Placeholder) or (isinstance(node, exp.Literal) and node.is_string)


def _call(name: str, *args: exp.Expr) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _status_key(column: exp.Column) -> exp.Expr:
    type_column = exp.Column(this=exp.to_identifier("type"), table=column.args.get("table"))
    return exp.DPipe(
        this=exp.DPipe(this=type_column, expression=exp.Literal.string(":")),
        expression=column.copy(),
    )


def _display_value(column: exp.Column, ref: str) -> exp.Expr:
    """``BUILTIN.DF``: a scalar subquery fetching the display value of a reference."""
    if ref == "status":
        key: exp.Expr = _status_key(column)
        return _list_lookup("status", key)
    if ref.startswith("list:"):
        return _list_lookup(ref[5:], exp.Cast(this=column.copy(), to=exp.DataType.build("TEXT")))
    if ref == "transaction":
        sub = sqlglot.parse_one(
            "SELECT l.name || ' #' || d.tranid FROM transaction AS d "
            "JOIN ns_listvalue AS l ON l.list = 'trantype' AND l.key = d.type "
            "WHERE d.id = ns_arg",
            read="sqlite",
        )
    else:
        display = {"customer": "entityid", "item": "itemid"}.get(ref, "name")
        sub = sqlglot.parse_one(f"SELECT d.{display} FROM {ref} AS d WHERE d.id = ns_arg")
    return _substitute(sub, column)


def _list_lookup(list_name: str, key: exp.Expr) -> exp.Expr:
    sub = sqlglot.parse_one(
        f"SELECT l.name FROM ns_listvalue AS l WHERE l.list = '{list_name}' AND l.key = ns_arg"
    )
    return _substitute(sub, key)


def _substitute(sub: exp.Expr, value: exp.Expr) -> exp.Expr:
    for node in list(sub.find_all(exp.Column)):
        if node.name == "ns_arg" and not node.table:
            node.replace(value.copy())
    assert isinstance(sub, exp.Select)
    return sub.subquery()


# --------------------------------------------------------------------------------------------
# Execution
# --------------------------------------------------------------------------------------------


def bind_value(value: object) -> object:
    """A Python value as SuiteQL binds it (booleans 'T'/'F', decimals as text)."""
    if isinstance(value, bool):
        return "T" if value else "F"
    if value is None or isinstance(value, int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return utc_text(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class SuiteQLEngine:
    """Translates (cached by query text), executes one page and renders it."""

    def __init__(
        self,
        rendering: Rendering,
        *,
        oneworld: bool,
        hidden_tables: frozenset[str] = frozenset(),
        cache_size: int = 512,
    ) -> None:
        self.rendering = rendering
        self.translator = Translator(oneworld=oneworld, hidden_tables=hidden_tables)
        self._translations: OrderedDict[str, Translation | SuiteQLError] = OrderedDict()
        self._counts: OrderedDict[tuple[str, tuple[object, ...]], tuple[int, int]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def translate(self, query: str) -> Translation:
        """The cached translation of ``query`` (refusals are cached too)."""
        with self._lock:
            cached = self._translations.get(query)
            if cached is not None:
                self._translations.move_to_end(query)
        if cached is None:
            try:
                cached = self.translator.translate(query)
            except SuiteQLError as error:
                cached = error
            with self._lock:
                self._translations[query] = cached
                while len(self._translations) > self._cache_size:
                    self._translations.popitem(last=False)
        if isinstance(cached, SuiteQLError):
            raise SuiteQLError(cached.detail, cached.code, cached.status, cached.query_param)
        return cached

    def execute(
        self,
        conn: sqlite3.Connection,
        query: str,
        params: Sequence[object] | None,
        *,
        limit: int,
        offset: int,
        generation: int,
    ) -> SuiteQLResult:
        """Run one page of ``query``; ``generation`` changes whenever the data changes."""
        translation = self.translate(query)
        values = [bind_value(v) for v in params or ()]
        if len(values) != len(translation.param_names):
            raise _search_error(
                f"Invalid number of parameters: the query has {len(translation.param_names)} "
                f"placeholders but {len(values)} values were given."
            )
        bound: dict[str, object] = dict(zip(translation.param_names, values, strict=True))
        rows = self._run(
            conn, translation.page_sql, {**bound, "ns_limit": limit, "ns_offset": offset}
        )
        total = self._total(conn, translation, query, tuple(values), bound, generation)
        return SuiteQLResult(self._render(rows, translation), total)

    def _total(
        self,
        conn: sqlite3.Connection,
        translation: Translation,
        query: str,
        values: tuple[object, ...],
        bound: dict[str, object],
        generation: int,
    ) -> int:
        key = (query, values)
        if not translation.uses_now:
            with self._lock:
                cached = self._counts.get(key)
            if cached is not None and cached[0] == generation:
                return cached[1]
        total = int(self._run(conn, translation.count_sql, bound)[0][0])
        with self._lock:
            self._counts[key] = (generation, total)
            while len(self._counts) > 4096:
                self._counts.popitem(last=False)
        return total

    @staticmethod
    def _run(conn: sqlite3.Connection, sql: str, bound: dict[str, object]) -> list[Any]:
        _udf_state.error = None
        try:
            return conn.execute(sql, bound).fetchall()
        except sqlite3.Error:
            error = getattr(_udf_state, "error", None)
            _udf_state.error = None
            if isinstance(error, SuiteQLError):
                raise SuiteQLError(error.detail) from None
            raise unsupported() from None

    def _render(self, rows: list[Any], translation: Translation) -> list[dict[str, str]]:
        rendering = self.rendering
        renderers: list[Callable[[Any], str]] = []
        for kind in translation.kinds:
            if kind in ("date", "datetime"):
                renderers.append(_temporal_renderer(kind, rendering))
            else:
                renderers.append(_plain_render)
        names = translation.names
        items: list[dict[str, str]] = []
        for row in rows:
            item: dict[str, str] = {}
            for name, render, value in zip(names, renderers, row, strict=True):
                if value is None or value == "":
                    continue
                item[name] = render(value)
            items.append(item)
        return items


def _plain_render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _temporal_renderer(kind: str, rendering: Rendering) -> Callable[[Any], str]:
    def render(value: Any) -> str:
        if isinstance(value, str) and _looks_temporal(value):
            return render_temporal(value, kind, rendering)
        return _plain_render(value)

    return render
