"""Paging rules shared by record collections and SuiteQL, and the collection envelope links.

Rules (netsuite-api.md §3.1, §4.1, §4.4): ``limit`` 1..1000 (default 1000), ``offset`` divisible by
``limit``, at most 1000 pages, and never past row 100,000 (``offset + limit > 100000`` is an error).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from hub_netsuite.sandbox.envelopes import invalid_parameter

MAX_LIMIT = 1000
MAX_PAGES = 1000
ROW_CEILING = 100_000


@dataclass(frozen=True)
class Page:
    """A validated page request."""

    limit: int
    offset: int


def _as_int(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise invalid_parameter(
            f"Invalid value for the query parameter '{name}': {raw!r} is not an integer.", name
        ) from None


def parse_page(args: Mapping[str, str]) -> Page:
    """Validate ``limit``/``offset`` query parameters or raise the 400 NetSuite answers with."""
    limit = _as_int(args.get("limit"), "limit", MAX_LIMIT)
    offset = _as_int(args.get("offset"), "offset", 0)
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid_parameter(
            f"Invalid value for the query parameter 'limit': the value must be between 1 and "
            f"{MAX_LIMIT}.",
            "limit",
        )
    if offset < 0:
        raise invalid_parameter(
            "Invalid value for the query parameter 'offset': the value must not be negative.",
            "offset",
        )
    if offset % limit != 0:
        raise invalid_parameter(
            "Invalid value for the query parameter 'offset': the offset must be divisible by the "
            f"limit (offset={offset}, limit={limit}).",
            "offset",
        )
    if offset // limit >= MAX_PAGES or offset + limit > ROW_CEILING:
        raise invalid_parameter(
            "Invalid value for the query parameter 'offset': results beyond the first "
            f"{ROW_CEILING} rows ({MAX_PAGES} pages) cannot be retrieved. Narrow the query and "
            "page again from offset 0.",
            "offset",
        )
    return Page(limit, offset)


def page_links(
    base_href: str, page: Page, count: int, total: int, extra: Sequence[tuple[str, str]] = ()
) -> list[dict[str, str]]:
    """``links`` of a collection page: prev/first before next/last, self always last."""

    def href(offset: int) -> str:
        return f"{base_href}?{urlencode([*extra, ('limit', str(page.limit)), ('offset', str(offset))])}"

    reachable = min(total, ROW_CEILING, MAX_PAGES * page.limit)
    last_offset = max(0, (reachable - 1) // page.limit * page.limit) if reachable else 0
    links: list[dict[str, str]] = []
    if page.offset > 0:
        prev_offset = max(0, min(page.offset - page.limit, last_offset))
        links.append({"rel": "prev", "href": href(prev_offset)})
        links.append({"rel": "first", "href": href(0)})
    if page.offset + count < total:
        links.append({"rel": "next", "href": href(page.offset + page.limit)})
        links.append({"rel": "last", "href": href(last_offset)})
    links.append({"rel": "self", "href": href(page.offset)})
    return links


def has_more(page: Page, count: int, total: int) -> bool:
    """True while rows remain after this page (even when they lie beyond the 100k ceiling)."""
    return page.offset + count < total


def record_collection(
    base_href: str,
    page: Page,
    items: list[dict[str, Any]],
    total: int,
    extra: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """The record-service list envelope, in Oracle's documented key order."""
    return {
        "links": page_links(base_href, page, len(items), total, extra),
        "items": items,
        "count": len(items),
        "offset": page.offset,
        "hasMore": has_more(page, len(items), total),
        "totalResults": total,
    }


def suiteql_collection(
    base_href: str, page: Page, items: list[dict[str, Any]], total: int
) -> dict[str, Any]:
    """The SuiteQL envelope (key order of live captures); each item starts with ``"links": []``."""
    return {
        "links": page_links(base_href, page, len(items), total),
        "count": len(items),
        "hasMore": has_more(page, len(items), total),
        "items": [{"links": [], **item} for item in items],
        "offset": page.offset,
        "totalResults": total,
    }
