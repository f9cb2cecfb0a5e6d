"""Parsing SuiteQL: sqlglot's Oracle parser with NetSuite's function and placeholder handling."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp
from sqlglot.dialects.oracle import Oracle
from sqlglot.errors import ParseError, TokenError
from sqlglot.parsers.oracle import OracleParser
from sqlglot.tokenizer_core import TokenType

from hub_netsuite.sandbox.oraclefunctions import ORACLE_FUNCTIONS
from hub_netsuite.sandbox.suiteqlerrors import unsupported


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
        **{name: _ns_function(target) for name, target in ORACLE_FUNCTIONS.items()},
    }
    FUNCTION_PARSERS = {
        name: parser
        for name, parser in OracleParser.FUNCTION_PARSERS.items()
        if name not in ORACLE_FUNCTIONS
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
