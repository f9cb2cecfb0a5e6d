"""SuiteQL refusals with NetSuite's wording (400 INVALID_PARAMETER bodies)."""

from __future__ import annotations

_PREFIX = "Invalid search query. Detailed unprocessed description follows. "
UNSUPPORTED_DETAIL = _PREFIX + "Invalid or unsupported search."


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


def search_error(text: str) -> SuiteQLError:
    return SuiteQLError(_PREFIX + f"Search error occurred: {text}")
