"""The scoreboard's charts: SVG drawn on the server, every label escaped, every bar in words."""

from __future__ import annotations

import re

import pytest

from gateway.pages.charts import BAR_SPAN, LABEL_WIDTH, Bar, Group, bar_chart


def bars(svg: str) -> list[tuple[float, float]]:
    """Each bar's start and width, in % of the chart's width."""
    return [
        (float(x), float(width))
        for x, width in re.findall(r'<rect [^>]*x="([\d.]+)%"[^>]*width="([\d.]+)%"', svg)
    ]


def labels(svg: str) -> list[str]:
    return re.findall(r'<text class="value[^"]*"[^>]*>(.*?)</text>', svg)


RECEIVED_AND_CLOSED = [
    Group("Médiateur", [Bar("Received", 40, "40"), Bar("Closed", 10, "10", series=1)]),
    Group("CNDH", [Bar("Received", None, "fewer than 5 or withheld"), Bar("Closed", 20, "20", 1)]),
]


def test_bars_are_as_long_as_their_figures() -> None:
    svg = bar_chart(RECEIVED_AND_CLOSED, chart_id="volumes", title="Cases", maximum=40)

    assert bars(svg) == [(0, BAR_SPAN), (0, BAR_SPAN / 4), (0, BAR_SPAN / 2)]
    assert labels(svg) == [
        "Received: 40",
        "Closed: 10",
        "Received: fewer than 5 or withheld",
        "Closed: 20",
    ]


def test_a_withheld_figure_has_no_bar_only_its_words() -> None:
    svg = bar_chart(RECEIVED_AND_CLOSED, chart_id="volumes", title="Cases", maximum=40)

    cndh = svg[svg.index(">CNDH<") :]
    first_bar = cndh.index("<rect")
    assert cndh.index("Received: fewer than 5 or withheld") < first_bar
    assert svg.count("<rect") == 3
    assert '<text class="value no-bar" x="0"' in svg, "its words start where a bar would"


def test_the_chart_is_an_image_named_by_its_title_without_style() -> None:
    svg = bar_chart(
        RECEIVED_AND_CLOSED, chart_id="volumes", title="Cases per institution", maximum=40
    )

    assert svg.startswith('<svg class="chart" role="img" aria-labelledby="volumes-title"')
    assert '<title id="volumes-title">Cases per institution</title>' in svg
    assert "style" not in svg and "http" not in svg and "<script" not in svg
    assert 'fill="#' in svg, "colours as presentation attributes, which the policy allows"


def test_every_label_is_escaped() -> None:
    hostile = '<script>alert("x")</script> & <a href="x">'
    svg = bar_chart(
        [Group(hostile, [Bar(hostile, 3, "3 <b>")])],
        chart_id='x" onload="alert(1)',
        title=hostile,
        maximum=3,
    )

    assert "<script" not in svg and "<a " not in svg and "<b>" not in svg
    assert 'onload="' not in svg
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;a href=&#34;x&#34;&gt;" in svg


def test_a_long_name_wraps_onto_lines_and_keeps_every_word() -> None:
    name = "Instance Nationale de la Probité, de la Prévention et de la Lutte contre la Corruption"
    svg = bar_chart([Group(name, [Bar("Received", 1, "1")])], chart_id="c", title="t", maximum=1)

    lines = re.findall(r'<text class="group-label"[^>]*>(.*?)</text>', svg)
    assert len(lines) > 1 and all(len(line) <= LABEL_WIDTH for line in lines)
    assert " ".join(lines) == name


@pytest.mark.parametrize("figures", [[0, 0], [5, 0]])
def test_a_zero_is_drawn_as_a_bar_of_no_length(figures: list[int]) -> None:
    svg = bar_chart(
        [Group("A", [Bar("Received", value, str(value)) for value in figures])],
        chart_id="c",
        title="t",
        maximum=max(figures),
    )

    assert [width for _, width in bars(svg)][-1] == 0
    assert labels(svg)[-1] == "Received: 0"


def test_in_a_right_to_left_page_the_bars_grow_from_the_right() -> None:
    svg = bar_chart(
        RECEIVED_AND_CLOSED, chart_id="volumes", title="Cases", maximum=40, direction="rtl"
    )

    assert 'direction="rtl"' in svg
    assert bars(svg) == [
        (100 - BAR_SPAN, BAR_SPAN),
        (100 - BAR_SPAN / 4, BAR_SPAN / 4),
        (100 - BAR_SPAN / 2, BAR_SPAN / 2),
    ]
    # The words start at the bar's far end and run on towards the left.
    assert f'x="{100 - BAR_SPAN:g}%" y="37" dx="-6"' in svg
    assert '<text class="group-label" x="100%"' in svg


def test_a_share_is_drawn_on_a_scale_from_0_to_100_percent() -> None:
    svg = bar_chart(
        [Group("A", [Bar("Acknowledgement", 0.85, "85 %"), Bar("Resolution", 1.0, "100 %")])],
        chart_id="standards",
        title="Kept",
        maximum=1.0,
        ticks=[(0.0, "0 %"), (0.5, "50 %"), (1.0, "100 %")],
    )

    assert bars(svg) == [(0, pytest.approx(0.85 * BAR_SPAN)), (0, BAR_SPAN)]
    ticks = re.findall(r'<line class="tick" x1="([\d.]+)%"', svg)
    assert [float(x) for x in ticks] == [0, BAR_SPAN / 2, BAR_SPAN]
    assert re.findall(r'<text class="tick"[^>]*>(.*?)</text>', svg) == ["0 %", "50 %", "100 %"]
