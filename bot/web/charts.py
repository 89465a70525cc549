"""Server-rendered SVG bar charts for the staff dashboard (no JavaScript, no inline styles).

Each chart is an ``<svg role="img">`` with an ``aria-label`` that reads out every value and a
``<title>``; each bar has its own ``<title>`` (a tooltip) and visible text labels. Colours are
SVG presentation attributes (allowed by a CSP without 'unsafe-inline'), chosen for at least
4.5:1 contrast against white, so bars (3:1 needed) and text both pass WCAG AA.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: dark blue, 7.6:1 on white
DEFAULT_COLOUR = "#1d4f91"
TEXT_COLOUR = "#1a1a1a"
AXIS_COLOUR = "#595959"
#: per outcome, each at least 4.5:1 on white
OUTCOME_COLOURS = {
    "ineligible": "#a4262c",
    "likely_eligible": "#0b6a0b",
    "needs_review": "#8a4b00",
    "incomplete": "#4a4a4a",
}


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value, an optional longer description and colour."""

    label: str
    value: int
    description: str = ""
    colour: str = DEFAULT_COLOUR


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart(
    title: str,
    bars: Sequence[Bar],
    *,
    label_width: int = 200,
    width: int = 640,
    row_height: int = 28,
    chart_id: str = "",
) -> Markup:
    """A horizontal bar chart as safe SVG markup (labels escaped)."""
    top, bottom, gap = 8, 8, 6
    value_room = 56
    plot_width = max(40, width - label_width - value_room)
    biggest = max((bar.value for bar in bars), default=0)
    height = top + bottom + max(1, len(bars)) * row_height
    spoken = "; ".join(
        f"{bar.label}{' ' + bar.description if bar.description else ''}: {bar.value}"
        for bar in bars
    )
    aria = f"{title}. {spoken}." if bars else f"{title}: no data."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" aria-label="{escape(aria)}"'
        + (f' id="{escape(chart_id)}"' if chart_id else "")
        + ">",
        f"<title>{escape(title)}</title>",
    ]
    if not bars:
        parts.append(
            f'<text x="0" y="{top + row_height // 2 + 5}" fill="{TEXT_COLOUR}" '
            f'font-size="14">No data yet</text>'
        )
    axis_x = label_width
    for index, bar in enumerate(bars):
        y = top + index * row_height
        bar_height = row_height - gap
        length = 0.0 if biggest == 0 else plot_width * bar.value / biggest
        if bar.value > 0:
            length = max(length, 2.0)
        middle = y + bar_height / 2 + 5
        tooltip = f"{bar.label}{' — ' + bar.description if bar.description else ''}: {bar.value}"
        parts.append(
            f'<g class="bar" data-label="{escape(bar.label)}" data-value="{bar.value}">'
            f"<title>{escape(tooltip)}</title>"
            f'<text x="{axis_x - 8}" y="{_number(middle)}" text-anchor="end" '
            f'fill="{TEXT_COLOUR}" font-size="13">{escape(bar.label)}</text>'
            f'<rect x="{axis_x}" y="{y}" width="{_number(length)}" height="{bar_height}" '
            f'fill="{escape(bar.colour)}"/>'
            f'<text x="{_number(axis_x + length + 6)}" y="{_number(middle)}" '
            f'fill="{TEXT_COLOUR}" font-size="13" class="value">{bar.value}</text>'
            "</g>"
        )
    parts.append(
        f'<line x1="{axis_x}" y1="{top - 2}" x2="{axis_x}" y2="{height - bottom + 2}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
