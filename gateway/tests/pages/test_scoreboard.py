"""The public scoreboard: each month's published figures as charts and tables, in every language."""

from __future__ import annotations

import html as markup
import re
from typing import Final

import httpx
import pytest
from babel import numbers

from gateway.pages.rendering import translate
from nowrongdoor.contracts.statistics import CountRow, CountTable, PromiseRow, Statistics
from nowrongdoor.contracts.vocabulary import Language

from ..fakes import FakeServices
from ..fakes.routing import NAMES
from .conftest import heading

LANGUAGES: Final[tuple[Language, ...]] = ("ar", "fr", "en", "nl", "de")


def counts(
    table: str, measure: str, dimensions: list[str], *cells: tuple[dict[str, str], int | None]
) -> CountTable:
    return CountTable.model_validate(
        {
            "id": table,
            "measure": measure,
            "dimensions": dimensions,
            "rows": [
                CountRow(values=values, count=count, suppressed=count is None)
                for values, count in cells
            ],
        }
    )


NOVEMBER: Final = Statistics(
    month="2026-11",
    counts=[
        counts(
            "received-by-institution",
            "received",
            ["institution"],
            ({"institution": "ma-mediateur"}, 1234),
            ({"institution": "ma-cndh"}, None),
            ({"institution": "none"}, 7),
            ({"institution": "all"}, None),
        ),
        counts(
            "closed-by-institution",
            "closed",
            ["institution"],
            ({"institution": "ma-mediateur"}, 40),
            ({"institution": "ma-cndh"}, 12),
            ({"institution": "all"}, 52),
        ),
        counts(
            "closed-by-institution-and-outcome",
            "closed",
            ["institution", "outcome"],
            ({"institution": "ma-mediateur", "outcome": "upheld"}, 15),
            ({"institution": "ma-mediateur", "outcome": "not-upheld"}, None),
            ({"institution": "ma-mediateur", "outcome": "none"}, None),
            ({"institution": "ma-mediateur", "outcome": "all"}, 40),
            ({"institution": "ma-cndh", "outcome": "mediated"}, 12),
            ({"institution": "ma-cndh", "outcome": "all"}, 12),
            ({"institution": "all", "outcome": "all"}, 52),
        ),
    ],
    timings=[],
    promises=[
        PromiseRow(
            institution="ma-mediateur", standard="acknowledge", promises_due=20, kept_share=0.85
        ),
        PromiseRow(
            institution="ma-mediateur",
            standard="admissibility",
            promises_due=None,
            kept_share=None,
            suppressed=True,
        ),
        PromiseRow(institution="ma-cndh", standard="resolution", promises_due=8, kept_share=0.5),
    ],
)
OCTOBER: Final = Statistics(
    month="2026-10",
    counts=[
        counts(
            "received-by-institution",
            "received",
            ["institution"],
            ({"institution": "ma-mediateur"}, 321),
            ({"institution": "all"}, 321),
        )
    ],
    timings=[],
    promises=[],
)
COUNTED: Final = {
    # (panel, institution, column): the count published, None when withheld
    ("volumes", "ma-mediateur", "received"): 1234,
    ("volumes", "ma-cndh", "received"): None,
    ("volumes", "none", "received"): 7,
    ("volumes", "all", "received"): None,
    ("volumes", "ma-mediateur", "closed"): 40,
    ("volumes", "ma-cndh", "closed"): 12,
    ("volumes", "all", "closed"): 52,
    ("outcomes", "ma-mediateur", "upheld"): 15,
    ("outcomes", "ma-mediateur", "not-upheld"): None,
    ("outcomes", "ma-mediateur", "none"): None,
    ("outcomes", "ma-mediateur", "all"): 40,
    ("outcomes", "ma-cndh", "mediated"): 12,
    ("outcomes", "all", "all"): 52,
}
KEPT: Final = {
    ("ma-mediateur", "acknowledge"): 0.85,
    ("ma-mediateur", "admissibility"): None,
    ("ma-cndh", "resolution"): 0.5,
}


@pytest.fixture
def published(services: FakeServices) -> FakeServices:
    services.statistics.published.update({"2026-10": OCTOBER, "2026-11": NOVEMBER})
    return services


def text_of(fragment: str) -> str:
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def panel_of(page: str, panel: str) -> str:
    start = page.index(f'<h2 id="{panel}">')
    return page[start : page.index("</section>", start)]


def cells(page: str, panel: str) -> dict[tuple[str, str], str]:
    """Each cell of a panel's table by institution and column, as a person reads it."""
    table = panel_of(page, panel)
    table = table[table.index("<table") :]
    found = {}
    for institution, row in re.findall(r'<tr data-institution="([^"]+)">(.*?)</tr>', table, re.S):
        for column, cell in re.findall(r'<td data-column="([^"]+)"[^>]*>(.*?)</td>', row, re.S):
            found[institution, column] = cell
    return found


def rows(page: str, panel: str) -> dict[str, str]:
    """The heading of each row of a panel's table, by institution."""
    table = panel_of(page, panel)
    return dict(
        re.findall(r'<tr data-institution="([^"]+)">\s*<th scope="row">(.*?)</th>', table, re.S)
    )


def chart_labels(page: str, panel: str) -> list[str]:
    chart = panel_of(page, panel)
    chart = chart[chart.index("<svg") : chart.index("</svg>")]
    return [
        text_of(text) for text in re.findall(r'<text class="value[^"]*"[^>]*>(.*?)</text>', chart)
    ]


def written(count: int, language: str) -> str:
    """A count as the reader's language writes it, spaces made plain as `text_of` makes them."""
    return " ".join(numbers.format_decimal(count, locale=language).split())


def percent(share: float, language: str) -> str:
    return " ".join(numbers.format_percent(share, locale=language).split())


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_scoreboard_shows_the_published_figures(
    browser: httpx.AsyncClient, published: FakeServices, language: Language
) -> None:
    response = await browser.get(f"/{language}/statistics")

    assert response.status_code == 200
    page = response.text
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in page
    assert heading(page) == translate(language, "The network in figures")
    withheld = translate(language, "fewer than %(threshold)s or withheld", threshold=5)
    for panel in ("volumes", "outcomes"):
        shown = cells(page, panel)
        for (where, institution, column), count in COUNTED.items():
            if where != panel:
                continue
            cell = shown[institution, column]
            if count is None:
                assert text_of(cell) == withheld
                assert not re.search(r"\d", cell.replace("5", "", 1)), cell
            else:
                assert text_of(cell) == written(count, language)
                assert int(re.sub(r"\D", "", text_of(cell))) == count
    standards = cells(page, "standards")
    for (institution, standard), share in KEPT.items():
        cell = text_of(standards[institution, standard])
        if share is None:
            assert cell == withheld
        else:
            assert cell.startswith(percent(share, language))
    assert translate(language, "Dates due: %(count)s", count="20") in text_of(
        standards["ma-mediateur", "acknowledge"]
    )
    names = {institution: text_of(cell) for institution, cell in rows(page, "volumes").items()}
    assert names == {
        "ma-mediateur": NAMES["ma-mediateur"][language],
        "ma-cndh": NAMES["ma-cndh"][language],
        "none": translate(language, "No institution of the network was competent"),
        "all": translate(language, "The whole network"),
    }


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_charts_write_beside_each_bar_the_figure_of_the_table(
    browser: httpx.AsyncClient, published: FakeServices, language: str
) -> None:
    page = (await browser.get(f"/{language}/statistics")).text
    received, closed = translate(language, "Received"), translate(language, "Closed")
    withheld = translate(language, "fewer than %(threshold)s or withheld", threshold=5)

    volumes = chart_labels(page, "volumes")
    standards = chart_labels(page, "standards")

    assert volumes == [
        f"{received}: {written(1234, language)}",
        f"{closed}: {written(40, language)}",
        f"{received}: {withheld}",
        f"{closed}: {written(12, language)}",
        f"{received}: {written(7, language)}",
        f"{closed}: {written(0, language)}",
    ]
    acknowledgement = translate(language, "Acknowledgement")
    assert f"{acknowledgement}: {percent(0.85, language)}" in standards
    assert f"{translate(language, 'Decision on admissibility')}: {withheld}" in standards
    # Every bar is drawn but a withheld one: one bar per figure published.
    chart = panel_of(page, "volumes")
    assert chart.count("<rect ") == 5
    assert f"{translate(language, 'Upheld')}: {written(15, language)}" in chart_labels(
        page, "outcomes"
    )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_page_is_light_and_strict(
    browser: httpx.AsyncClient, published: FakeServices, language: str
) -> None:
    response = await browser.get(f"/{language}/statistics")

    page = response.text
    assert len(response.content) < 100_000
    assert "style=" not in page and "<style" not in page, "no inline style under the policy"
    assert "<script" not in page.split("</head>", 1)[1], "the charts need no script"
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert page.count('role="img"') == 3
    for panel in ("volumes", "standards", "outcomes"):
        assert f'aria-labelledby="{panel}-chart-title"' in page
        assert f'<caption id="{panel}-caption">' in page
    assert '<th scope="col">' in page and '<th scope="row">' in page
    assert 'href="/v1/statistics"' in page and 'href="/v1/statistics/dictionary"' in page
    assert 'href="/v1/statistics/downloads/2026-11/cases.csv"' in page
    assert 'href="/v1/statistics/downloads/2026-11.json"' in page
    assert "Licence Ouverte" in page


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_latest_month_is_shown_and_another_can_be_chosen(
    browser: httpx.AsyncClient, published: FakeServices, language: str
) -> None:
    latest = (await browser.get(f"/{language}/statistics")).text
    chosen = await browser.get(f"/{language}/statistics", params={"month": "2026-10"})

    options = re.findall(r'<option value="([^"]+)"( selected)?>', latest)
    assert options == [("2026-11", " selected"), ("2026-10", "")]
    assert f'action="/{language}/statistics"' in latest and 'method="get"' in latest
    assert chosen.status_code == 200
    assert re.findall(r'<option value="([^"]+)" selected>', chosen.text) == ["2026-10"]
    assert text_of(cells(chosen.text, "volumes")["ma-mediateur", "received"]) == written(
        321, language
    )
    assert 'id="standards"' not in chosen.text, "October published no promise"


@pytest.mark.parametrize(
    ("language", "month_words"),
    [("fr", "novembre 2026"), ("de", "November 2026"), ("nl", "november 2026")],
)
async def test_months_are_named_in_the_reader_s_language(
    browser: httpx.AsyncClient, published: FakeServices, language: str, month_words: str
) -> None:
    page = (await browser.get(f"/{language}/statistics")).text

    assert f'<option value="2026-11" selected>{month_words}</option>' in page


@pytest.mark.parametrize("language", LANGUAGES)
async def test_before_any_month_is_published_the_page_says_so(
    browser: httpx.AsyncClient, services: FakeServices, language: str
) -> None:
    response = await browser.get(f"/{language}/statistics")

    assert response.status_code == 200
    sentence = translate(
        language,
        "No statistics have been published yet. The figures of a month appear here the day "
        "after it ends.",
    )
    assert sentence in text_of(response.text)
    assert "<svg" not in response.text and "<table" not in response.text
    assert "<select" not in response.text


@pytest.mark.parametrize("month", ["2025-01", "2026-13", "november", "2026-11-01"])
async def test_a_month_not_published_is_the_page_not_found(
    browser: httpx.AsyncClient, published: FakeServices, month: str
) -> None:
    response = await browser.get("/nl/statistics", params={"month": month})

    assert response.status_code == 404
    assert '<html lang="nl" dir="ltr">' in response.text
    assert heading(response.text) == "Pagina niet gevonden"
    assert published.count("month") == 0, "nothing is asked for a month never published"


async def test_with_case_tracking_down_the_page_says_the_service_is_not_answering(
    browser: httpx.AsyncClient, published: FakeServices
) -> None:
    published.down.add("case-tracking")

    response = await browser.get("/ar/statistics")

    assert response.status_code == 503
    assert '<html lang="ar" dir="rtl">' in response.text
    assert heading(response.text) == translate("ar", "The service is not answering right now")


async def test_with_routing_down_the_figures_still_show_under_the_institutions_ids(
    browser: httpx.AsyncClient, published: FakeServices
) -> None:
    published.down.add("routing")

    response = await browser.get("/fr/statistics")

    assert response.status_code == 200
    assert cells(response.text, "volumes")["ma-mediateur", "received"] == "1\u202f234"
    assert "<bdi>ma-mediateur</bdi>" in response.text


async def test_the_figures_are_read_as_the_public_reads_them(
    browser: httpx.AsyncClient, published: FakeServices
) -> None:
    await browser.get("/en/statistics")

    calls = published.statistics.calls
    assert [call.operation for call in calls] == ["months", "month"]
    assert calls[1].sent == "2026-11"
    assert all(call.caller.kind == "public" for call in calls)


async def test_in_arabic_the_bars_grow_from_the_right(
    browser: httpx.AsyncClient, published: FakeServices
) -> None:
    page = (await browser.get("/ar/statistics")).text

    chart = panel_of(page, "volumes")
    assert 'direction="rtl"' in chart
    bars = re.findall(r'<rect [^>]*x="([\d.]+)%"[^>]*width="([\d.]+)%"', chart)
    assert bars and all(float(x) + float(width) == pytest.approx(100) for x, width in bars)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_page_links_to_the_scoreboard(
    browser: httpx.AsyncClient, language: str
) -> None:
    page = (await browser.get(f"/{language}/help")).text

    assert f'<a href="/{language}/statistics">' in page
