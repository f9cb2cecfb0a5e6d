"""Charts as inline SVG built on the server: no JavaScript library, no CDN."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from markupsafe import Markup

PALETTE = ("#18bc9c", "#f39c12", "#e67e22", "#e74c3c", "#8e2a1f")


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[Decimal],
    *,
    width: int = 460,
    bar_height: int = 26,
    colors: Sequence[str] = PALETTE,
) -> Markup:
    """A horizontal bar chart; each bar carries its label and formatted value."""
    top, label_width, gap = 28, 70, 8
    plot = width - label_width - 110
    height = top + len(values) * (bar_height + gap) + 4
    largest = max((v for v in values), default=Decimal(0)) or Decimal(1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold" fill="#2c3e50">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * (bar_height + gap)
        length = int(plot * (value / largest)) if value > 0 else 0
        color = colors[i % len(colors)]
        parts.append(
            f'<text x="0" y="{y + bar_height * 0.7:.0f}" font-size="12" fill="#2c3e50">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{max(length, 1)}" height="{bar_height}" '
            f'fill="{color}" rx="3"><title>{escape(label)}: {_money(value)}</title></rect>'
            f'<text x="{label_width + max(length, 1) + 6}" y="{y + bar_height * 0.7:.0f}" '
            f'font-size="12" fill="#2c3e50">{_money(value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def status_dots(items: Sequence[tuple[str, str]], *, width: int = 460) -> Markup:
    """A row of labelled dots coloured by status (``ok`` / ``error`` / anything else grey)."""
    colors = {"ok": "#18bc9c", "error": "#e74c3c"}
    height = 30 * max(len(items), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="sync health">'
    ]
    for i, (label, state) in enumerate(items):
        y = 15 + i * 30
        parts.append(
            f'<circle cx="10" cy="{y}" r="7" fill="{colors.get(state, "#95a5a6")}"/>'
            f'<text x="26" y="{y + 4}" font-size="13" fill="#2c3e50">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


__all__ = ["bar_chart", "status_dots"]
