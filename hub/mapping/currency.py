"""ISO 4217 minor units: how many decimal places an amount in a currency carries."""

from __future__ import annotations

from decimal import Decimal

DEFAULT_MINOR_UNITS = 2
"""Minor units of every currency not listed in :data:`MINOR_UNITS` (and of unknown codes)."""

MINOR_UNITS: dict[str, int] = {
    # no minor unit
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    # three decimals
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    # four decimals (units of account)
    **dict.fromkeys("CLF UYW".split(), 4),
}
"""Currencies whose exponent differs from two decimals (ISO 4217 list)."""

QUANTA: dict[int, Decimal] = {n: Decimal(1).scaleb(-n) for n in range(5)}
"""The quantum (``Decimal('0.01')`` for 2) of each exponent used above."""


def minor_units(currency: object) -> int:
    """Decimal places of ``currency`` (an ISO code); 2 for unknown or missing codes."""
    if isinstance(currency, str):
        return MINOR_UNITS.get(currency, DEFAULT_MINOR_UNITS)
    return DEFAULT_MINOR_UNITS


__all__ = ["DEFAULT_MINOR_UNITS", "MINOR_UNITS", "QUANTA", "minor_units"]
