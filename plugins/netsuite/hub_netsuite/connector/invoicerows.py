"""Regrouping the rows of the joined invoice query (one row per item line) into invoices.

Rows arrive ordered by ``(invoice id, line id)``. A page boundary can fall inside an invoice, so
the last invoice of a page stays *open* until a row of another invoice (or the end of the result)
shows it is complete; only complete invoices are handed out, and an invoice is never split
across two pages of records.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub_netsuite.connector.queries import LINE_PREFIX


def split_row(row: dict[str, str]) -> tuple[dict[str, Any], dict[str, str] | None]:
    """The invoice header and the item line (None for an invoice without lines) of one row."""
    header: dict[str, Any] = {}
    line: dict[str, str] = {}
    for key, value in row.items():
        if key.startswith(LINE_PREFIX):
            line[key[len(LINE_PREFIX) :]] = value
        else:
            header[key] = value
    return header, (line if "id" in line else None)


def _line_order(line: dict[str, str]) -> tuple[int, int]:
    return int(line.get("linesequencenumber") or 0), int(line["id"])


class InvoiceGrouper:
    """Collects joined rows into invoices with a ``lines`` list.

    :attr:`position` is where the next query must resume: ``(invoice id, line id)`` of the last
    row seen (line id None when that invoice has no lines).
    """

    def __init__(self) -> None:
        self._open: dict[str, Any] | None = None
        self.position: tuple[str, str | None] | None = None

    def add(self, rows: Iterable[dict[str, str]]) -> list[dict[str, Any]]:
        """Take the next rows; return the invoices they completed, in id order."""
        complete: list[dict[str, Any]] = []
        for row in rows:
            header, line = split_row(row)
            if self._open is None or self._open["id"] != header["id"]:
                if self._open is not None:
                    complete.append(self._finish(self._open))
                header["lines"] = []
                self._open = header
            if line is not None:
                self._open["lines"].append(line)
            self.position = (header["id"], line["id"] if line else None)
        return complete

    def flush(self) -> list[dict[str, Any]]:
        """The open invoice, complete because the result ended (empty list when none)."""
        if self._open is None:
            return []
        last, self._open = self._finish(self._open), None
        return [last]

    @staticmethod
    def _finish(invoice: dict[str, Any]) -> dict[str, Any]:
        invoice["lines"].sort(key=_line_order)
        return invoice
