"""Source paths (``customer.address[0].city``) compiled once into fast getters."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Getter = Callable[[Mapping[str, Any]], Any]

_SEGMENT = re.compile(r"\.?([^.\[\]]+)|\[([0-9]+)\]")


def parse_path(path: str) -> tuple[str | int, ...]:
    """Split a path into keys (str) and list positions (int); ``ValueError`` if malformed."""
    parts: list[str | int] = []
    pos = 0
    while pos < len(path):
        match = _SEGMENT.match(path, pos)
        if match is None or (pos == 0 and path.startswith(".")):
            raise ValueError(f"malformed path {path!r} at position {pos}")
        key, index = match.groups()
        parts.append(key if key is not None else int(index))
        pos = match.end()
    if not parts:
        raise ValueError("empty path")
    return tuple(parts)


def compile_path(path: str) -> Getter:
    """A function returning the value at ``path`` in a raw record, or ``None`` when absent.

    Empty strings count as absent, like SQL NULLs that some sources render as ``""``.
    """
    parts = parse_path(path)
    if len(parts) == 1 and isinstance(parts[0], str):
        key = parts[0]

        def get_key(raw: Mapping[str, Any]) -> Any:
            value = raw.get(key)
            return None if value == "" else value

        return get_key

    def get_nested(raw: Mapping[str, Any]) -> Any:
        value: Any = raw
        for part in parts:
            if isinstance(part, int):
                if not isinstance(value, list) or part >= len(value):
                    return None
                value = value[part]
            else:
                if not isinstance(value, Mapping):
                    return None
                value = value.get(part)
                if value is None:
                    return None
        return None if value == "" else value

    return get_nested


__all__ = ["Getter", "compile_path", "parse_path"]
