"""The ``q`` filter of REST record collections (``lastModifiedDate AFTER "5/1/2024" AND ...``),
compiled to a parameterised SQLite condition.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from hub_netsuite.sandbox.dateformats import pref_parse
from hub_netsuite.sandbox.records import Field, RecordError, RecordSpec, q_error
from hub_netsuite.sandbox.rendering import Rendering

_PREFIX = "Invalid search query. Detailed unprocessed description follows. "

_TOKEN = re.compile(
    r'\s*(?:(?P<quoted>"(?:[^"\\]|\\.)*")|(?P<punct>[()\[\],])|(?P<word>[^\s()\[\],"]+))'
)
_BASE_OPERATORS = {
    "EMPTY", "IS", "ANY_OF", "BETWEEN", "EQUAL", "GREATER", "GREATER_OR_EQUAL", "LESS",
    "LESS_OR_EQUAL", "WITHIN", "CONTAIN", "START_WITH", "END_WITH", "AFTER", "BEFORE", "ON",
    "ON_OR_AFTER", "ON_OR_BEFORE",
}  # fmt: skip
_OPERATORS = _BASE_OPERATORS | {f"{op}_NOT" for op in _BASE_OPERATORS} | {"ENDWITH"}


@dataclass
class _Token:
    kind: str  # word | quoted | punct
    text: str


def _tokenize(q: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(q):
        if q[position:].strip() == "":
            break
        match = _TOKEN.match(q, position)
        if match is None:
            raise q_error(_PREFIX + f"Search error occurred: Invalid query expression: {q}")
        position = match.end()
        if match.group("quoted"):
            raw = match.group("quoted")[1:-1]
            tokens.append(_Token("quoted", re.sub(r"\\(.)", r"\1", raw)))
        elif match.group("punct"):
            tokens.append(_Token("punct", match.group("punct")))
        else:
            tokens.append(_Token("word", match.group("word")))
    return tokens


class QueryFilter:
    """Compiles a ``q`` expression into an SQL condition with bound parameters."""

    def __init__(self, spec: RecordSpec, rendering: Rendering) -> None:
        self.spec = spec
        self.rendering = rendering
        fields = {**spec.fields, **spec.extra_filter}
        self.fields = {name.lower(): fld for name, fld in fields.items()}
        self.tokens: list[_Token] = []
        self.position = 0
        self.params: list[object] = []

    def compile(self, q: str) -> tuple[str, list[object]]:
        """SQL text (built only from catalog column names) and its parameters."""
        self.tokens = _tokenize(q)
        self.position = 0
        self.params = []
        if not self.tokens:
            return "1 = 1", []
        sql = self._or()
        if self.position != len(self.tokens):
            self._fail()
        return sql, self.params

    def _fail(self) -> RecordError:
        near = self.tokens[self.position].text if self.position < len(self.tokens) else "end"
        raise q_error(_PREFIX + f"Search error occurred: Invalid query expression near '{near}'.")

    def _peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _next(self) -> _Token:
        token = self._peek()
        if token is None:
            self._fail()
        assert token is not None
        self.position += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token is not None and token.kind == "word" and token.text.upper() == word:
            self.position += 1
            return True
        return False

    def _or(self) -> str:
        parts = [self._and()]
        while self._keyword("OR"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def _and(self) -> str:
        parts = [self._factor()]
        while self._keyword("AND"):
            parts.append(self._factor())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def _factor(self) -> str:
        token = self._peek()
        if token is not None and token.kind == "punct" and token.text == "(":
            self.position += 1
            inner = self._or()
            closing = self._next()
            if closing.text != ")":
                self._fail()
            return f"({inner})"
        return self._condition()

    def _values(self) -> list[str]:
        token = self._next()
        if token.kind == "punct" and token.text == "[":
            values: list[str] = []
            while True:
                item = self._next()
                if item.kind == "punct":
                    self._fail()
                values.append(item.text)
                separator = self._next()
                if separator.text == "]":
                    return values
                if separator.text != ",":
                    self._fail()
        if token.kind == "punct":
            self._fail()
        return [token.text]

    def _condition(self) -> str:
        name_token = self._next()
        fld = self.fields.get(name_token.text.lower())
        if name_token.kind != "word":
            self._fail()
        if fld is None or fld.kind in ("status",):
            raise q_error(
                _PREFIX + f"Search error occurred: Field '{name_token.text}' for record "
                f"'{self.spec.name}' was not found."
            )
        op_token = self._next()
        operator = op_token.text.upper().replace("ENDWITH", "END_WITH")
        if operator not in _OPERATORS:
            self.position -= 1
            self._fail()
        negate = operator.endswith("_NOT")
        base = operator[:-4] if negate else operator
        column = f'"{fld.column}"'
        if base == "EMPTY":
            sql = f"({column} IS NULL OR {column} = '')"
        else:
            sql = self._comparison(fld, column, base, self._values(), name_token.text)
        return f"NOT {sql}" if negate else sql

    def _comparison(self, fld: Field, column: str, op: str, values: list[str], name: str) -> str:
        kind = fld.kind
        arity = {"BETWEEN": 2, "WITHIN": 2}.get(op, 0 if op == "ANY_OF" else 1)
        if arity and len(values) != arity:
            raise q_error(
                _PREFIX + f"Search error occurred: Operator {op} requires {arity} value(s)."
            )
        if kind in ("date", "datetime"):
            return self._date_condition(fld, column, op, values)
        if kind == "bool":
            if op not in ("IS", "EQUAL"):
                raise self._bad_operator(op, name)
            truth = values[0].lower()
            if truth not in ("true", "false", "t", "f"):
                raise q_error(_PREFIX + f"Search error occurred: Invalid boolean: {values[0]}")
            self.params.append("T" if truth in ("true", "t") else "F")
            return f"COALESCE({column}, 'F') = ?"
        if kind in ("int", "number", "ref", "list"):
            numbers = [self._number(v) for v in values]
            return self._ordered(column, op, numbers, name)
        if op in ("IS", "EQUAL"):
            self.params.append(values[0])
            return f"{column} = ? COLLATE NOCASE"
        if op in ("CONTAIN", "START_WITH", "END_WITH"):
            escaped = values[0].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = {
                "CONTAIN": f"%{escaped}%",
                "START_WITH": f"{escaped}%",
                "END_WITH": f"%{escaped}",
            }[op]
            self.params.append(pattern)
            return f"{column} LIKE ? ESCAPE '\\'"
        if op == "ANY_OF":
            self.params.extend(values)
            return f"{column} COLLATE NOCASE IN ({', '.join('?' for _ in values)})"
        raise self._bad_operator(op, name)

    def _bad_operator(self, op: str, name: str) -> RecordError:
        return q_error(
            _PREFIX + f"Search error occurred: Invalid search operator {op} for field {name}."
        )

    def _number(self, text: str) -> Decimal:
        try:
            return Decimal(text)
        except ArithmeticError:
            raise q_error(_PREFIX + f"Search error occurred: Invalid number: {text}") from None

    def _ordered(self, column: str, op: str, values: Sequence[object], name: str) -> str:
        symbols = {
            "EQUAL": "=",
            "IS": "=",
            "GREATER": ">",
            "GREATER_OR_EQUAL": ">=",
            "LESS": "<",
            "LESS_OR_EQUAL": "<=",
            "AFTER": ">",
            "BEFORE": "<",
            "ON": "=",
            "ON_OR_AFTER": ">=",
            "ON_OR_BEFORE": "<=",
        }
        cast = [str(v) if isinstance(v, Decimal) else v for v in values]
        if op in symbols:
            self.params.append(cast[0])
            return f"{column} {symbols[op]} ?"
        if op in ("BETWEEN", "WITHIN"):
            self.params.extend(cast)
            return f"{column} BETWEEN ? AND ?"
        if op == "ANY_OF":
            self.params.extend(cast)
            return f"{column} IN ({', '.join('?' for _ in cast)})"
        raise self._bad_operator(op, name)

    def _day(self, text: str) -> date:
        parsed = pref_parse(text, self.rendering.date_format)
        if parsed is None:
            raise q_error(f'Unparseable date: "{text}"')
        return parsed.date()

    def _date_condition(self, fld: Field, column: str, op: str, values: list[str]) -> str:
        if op not in ("AFTER", "BEFORE", "ON", "ON_OR_AFTER", "ON_OR_BEFORE", "WITHIN"):
            raise self._bad_operator(op, fld.column)
        days = [self._day(v) for v in values]
        if fld.kind == "date":
            texts = [d.isoformat() for d in days]
            return self._ordered(column, op, texts, fld.column)
        start = self._start_of
        first = days[0]
        if op == "AFTER":
            self.params.append(start(first + timedelta(days=1)))
            return f"{column} >= ?"
        if op == "ON_OR_AFTER":
            self.params.append(start(first))
            return f"{column} >= ?"
        if op == "BEFORE":
            self.params.append(start(first))
            return f"{column} < ?"
        if op == "ON_OR_BEFORE":
            self.params.append(start(first + timedelta(days=1)))
            return f"{column} < ?"
        last = days[-1]
        self.params.extend([start(first), start(last + timedelta(days=1))])
        return f"({column} >= ? AND {column} < ?)"

    def _start_of(self, day: date) -> str:
        """UTC storage text of local midnight starting ``day`` in the account time zone."""
        return self.rendering.from_local(datetime(day.year, day.month, day.day))
