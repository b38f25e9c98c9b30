"""Bar charts drawn on the server as inline SVG: no script, no style attribute, every label escaped.

A chart is a list of groups (an institution), each a few bars (received, closed; one per
standard or outcome). Every bar is written beside it in words and figures ("Closed: 12"), so no
one needs its colour or its length to read it; a withheld figure has no bar, only its words.
Horizontal positions are percentages of the width, so the bars follow the page's width while
the text keeps its size; in a right-to-left page the bars grow from the right.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from markupsafe import Markup

BAR_SPAN: Final = 55.0
"""The share of the width (in %) the longest bar takes; the rest is for its words."""
LINE: Final = 20
"""The height of a group's name line, in pixels."""
ROW: Final = 24
"""The height of one bar's row, in pixels."""
BAR_HEIGHT: Final = 16
GAP: Final = 12
"""The space after each group, in pixels."""
TICKS_HEIGHT: Final = 22
LABEL_WIDTH: Final = 44
"""Where a group's name wraps, in characters: one line fits the narrowest phone."""
INK: Final = "#1b1b1b"
GRID: Final = "#6b6b6b"
PALETTE: Final = ("#0b4ea2", "#a14a00", "#1d6b2f", "#6a1b9a", "#b00020", "#37474f")
"""Bar colours, each at least 3:1 against white (WCAG 1.4.11); the words beside them carry the
meaning."""


@dataclass(frozen=True)
class Bar:
    """One bar: what it measures, its length on the chart's scale, and its figure as written."""

    label: str
    value: float | None
    """None when the figure is withheld: then no bar is drawn."""
    text: str
    """The figure in the reader's language, or the words saying it is withheld."""
    series: int = 0
    """Its place among the bars of a group, which picks its colour."""


@dataclass(frozen=True)
class Group:
    """The bars of one institution, under its name."""

    label: str
    bars: Sequence[Bar]


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _at(share: float, direction: str) -> str:
    """A position along the bars' span, from the side the bars grow from, as % of the width."""
    position = share * BAR_SPAN
    return f"{_number(100 - position if direction == 'rtl' else position)}%"


def _text(x: str, y: float, content: str, css: str, *, dx: int = 0, anchor: str = "") -> Markup:
    # Markup's `format` escapes every argument: a label can never become markup.
    return Markup(
        '<text class="{css}" x="{x}" y="{y}"{dx}{anchor} fill="{ink}">{content}</text>'
    ).format(
        css=css,
        x=x,
        y=_number(y),
        dx=Markup(' dx="{}"').format(dx) if dx else "",
        anchor=Markup(' text-anchor="{}"').format(anchor) if anchor else "",
        ink=INK,
        content=content,
    )


def bar_chart(
    groups: Sequence[Group],
    *,
    chart_id: str,
    title: str,
    maximum: float,
    ticks: Sequence[tuple[float, str]] = (),
    direction: str = "ltr",
) -> Markup:
    """The chart as an `<svg role="img">` named by its title, bars scaled so `maximum` fills
    the span; `ticks` are (value, words) marks of the scale drawn across every group."""
    rtl = direction == "rtl"
    start = "100%" if rtl else "0"
    step = -6 if rtl else 6
    scale = maximum if maximum > 0 else 1.0
    parts: list[Markup] = []
    y = 0.0
    if ticks:
        for value, words in ticks:
            # The mark at the bars' root starts there, so none of its words fall off the edge.
            anchor = "" if value <= 0 else "middle"
            parts.append(_text(_at(value / scale, direction), 14, words, "tick", anchor=anchor))
        y = TICKS_HEIGHT
    top = y
    for group in groups:
        parts.append(Markup('<g class="group">'))
        for line in textwrap.wrap(group.label, LABEL_WIDTH) or [""]:
            y += LINE
            parts.append(_text(start, y - 5, line, "group-label"))
        for bar in group.bars:
            middle = y + ROW / 2
            words = f"{bar.label}: {bar.text}"
            if bar.value is None:
                parts.append(_text(start, middle + 5, words, "value no-bar"))
            else:
                length = max(0.0, min(bar.value / scale, 1.0))
                series = bar.series % len(PALETTE)
                parts.append(
                    Markup(
                        '<rect class="bar series-{series}" x="{x}" y="{y}" width="{width}%" '
                        'height="{height}" fill="{colour}"/>'
                    ).format(
                        series=series,
                        x=_at(length, direction) if rtl else "0%",
                        y=_number(middle - BAR_HEIGHT / 2),
                        width=_number(length * BAR_SPAN),
                        height=BAR_HEIGHT,
                        colour=PALETTE[series],
                    )
                )
                parts.append(_text(_at(length, direction), middle + 5, words, "value", dx=step))
            y += ROW
        parts.append(Markup("</g>"))
        y += GAP
    grid = [
        Markup(
            '<line class="tick" x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="{grid}" '
            'stroke-width="1" stroke-dasharray="2 3"/>'
        ).format(
            x=_at(value / scale, direction),
            top=_number(top - 4),
            bottom=_number(y - GAP),
            grid=GRID,
        )
        for value, _ in ticks
    ]
    return Markup(
        '<svg class="chart" role="img" aria-labelledby="{id}-title" width="100%" height="{height}" '
        'direction="{direction}" font-size="14"><title id="{id}-title">{title}</title>{body}</svg>'
    ).format(
        id=chart_id,
        height=_number(max(y, 1)),
        direction="rtl" if rtl else "ltr",
        title=title,
        body=Markup("").join([*grid, *parts]),
    )
