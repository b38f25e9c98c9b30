"""The public scoreboard in a real browser: the figures the API publishes, as charts and tables.

A month is published once it has ended and a grace day after it has passed, so this module runs
a platform of its own whose case tracking reads the clock 33 days ahead
(`NWD_CASE_TRACKING_CLOCK_OFFSET`, as the statistics' end-to-end test does): complaints filed
through the API are received in this month, which case tracking already reads as ended and its
grace day past. Every case is open before the figures are first read, since that reading
publishes the month for good. The page is then read as a person reads it — its tables and the
words beside its bars — and compared with what `GET /v1/statistics/cases` and `/promises`
answer for the same month. In every language it is axe-clean, under 100 kB with
everything it loads, and asks nothing of any other website.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Final

import httpx
import pytest
from babel import numbers
from playwright.sync_api import Page, expect

from ..conftest import OwnPlatform, Platform
from ..test_complaint_to_case import complaint
from .conftest import OpenContext
from .journey import LANGUAGES, expect_page, navigating, needs_chromium, sync_eventually, words
from .test_accessibility import violations
from .test_page_weight import LIMIT_BYTES, watched_page, weight_of_the_page_shown

pytestmark = needs_chromium

COMPLAINTS: Final = 5
"""Filed for the test: enough for the Médiateur's count to be publishable."""
PANELS: Final = ("volumes", "standards", "outcomes")

Cells = dict[tuple[str, str, str], str]
"""A figure as the page writes it, by panel, institution and column."""


def plain(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def platform(own_platform: OwnPlatform) -> Iterator[Platform]:
    """This module's own platform, its case tracking 33 days ahead; the pages are read here."""
    # From any day of a month, 33 days on is past the end of the month, and its grace day: at
    # least the 3rd of the next month.
    a_month_on = {"NWD_CASE_TRACKING_CLOCK_OFFSET": "P33D"}
    with own_platform("scoreboard", extra_env=a_month_on) as started:
        yield started


@pytest.fixture(scope="module")
def api(platform: Platform) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def month(api: httpx.Client) -> str:
    """This month, published once every complaint filed here has its case open."""
    filed = []
    for _ in range(COMPLAINTS):
        response = api.post("/v1/complaints", json=complaint())
        assert response.status_code == 201, response.text
        filed.append(response.json())
    this_month = time.strftime("%Y-%m", time.gmtime())

    def routed(accepted: dict[str, str]) -> bool:
        response = api.get(
            f"/v1/cases/{accepted['reference']}", headers={"X-Receipt": accepted["receipt"]}
        )
        return response.status_code == 200 and response.json()["status"] == "routed"

    for accepted in filed:
        sync_eventually(lambda: routed(accepted), timeout=90)  # noqa: B023 - used at once
    answer = cases(api, this_month)
    assert ("volumes", "ma-mediateur", "received") in published(answer, {})
    return this_month


def cases(api: httpx.Client, month: str | None) -> dict[str, Any]:
    response = api.get("/v1/statistics/cases", params={"month": month} if month else {})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def promises(api: httpx.Client, month: str) -> dict[str, Any]:
    response = api.get("/v1/statistics/promises", params={"month": month})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def published(
    cases_answer: dict[str, Any], promises_answer: dict[str, Any]
) -> dict[tuple[str, str, str], int | float | None]:
    """The API's figures the scoreboard shows, keyed as the page's cells are; None if withheld."""
    figures: dict[tuple[str, str, str], int | float | None] = {}
    for table in cases_answer["tables"]:
        by, measure = table["dimensions"], table["measure"]
        for row in table["rows"]:
            count = None if row["suppressed"] else row["count"]
            if by == ["institution"]:
                figures["volumes", row["institution"], measure] = count
            elif by == ["institution", "outcome"] and measure == "closed":
                figures["outcomes", row["institution"], row["outcome"]] = count
    for row in promises_answer.get("rows", []):
        share = None if row["suppressed"] else row["kept_share"]
        figures["standards", row["institution"], row["standard"]] = share
    return figures


def written(figure: int | float | None, panel: str, language: str, threshold: int) -> str:
    """A published figure as the page in `language` should write it."""
    if figure is None:
        return words(language, "fewer than %(threshold)s or withheld") % {"threshold": threshold}
    if panel == "standards":
        return plain(numbers.format_percent(figure, locale=language))
    return plain(numbers.format_decimal(figure, locale=language))


def cells_on(page: Page) -> Cells:
    """Every figure of the page's tables; a share's cell without the dates due beneath it."""
    found: list[list[str]] = page.locator("table.figures td[data-column]").evaluate_all(
        """cells => cells.map(cell => [
            cell.closest("table").dataset.panel,
            cell.closest("tr").dataset.institution,
            cell.dataset.column,
            cell.firstChild ? cell.firstChild.textContent : "",
        ])"""
    )
    return {(panel, institution, column): plain(text) for panel, institution, column, text in found}


def bar_words(page: Page, panel: str) -> list[str]:
    return [
        plain(text)
        for text in page.locator(
            f'section[aria-labelledby="{panel}"] svg text.value'
        ).all_text_contents()
    ]


def table_words(page: Page, panel: str) -> list[str]:
    """What each bar should say, read from the table: the column's heading, the cell's figure."""
    table = page.locator(f'table[data-panel="{panel}"]')
    headings = [plain(text) for text in table.locator("thead th").all_text_contents()][1:]
    columns = table.locator("thead th").count() - 1
    expected = []
    for row in table.locator("tbody tr").all():
        for i, cell in enumerate(row.locator("td").all()[:columns]):
            if cell.get_attribute("data-column") == "all":
                continue  # the total of a row is in the table, not a bar of the chart
            figure = plain(
                cell.evaluate("cell => cell.firstChild ? cell.firstChild.textContent : ''")
            )
            expected.append(f"{headings[i]}: {figure}")
    return expected


def read_with_the_api(
    page: Page, api: httpx.Client, language: str, month: str
) -> tuple[Cells, dict[tuple[str, str, str], int | float | None], int]:
    """The page's figures and the API's for the month, read while the figures stood still."""

    def steady() -> tuple[Cells, dict[tuple[str, str, str], int | float | None], int] | None:
        before = (cases(api, month), promises(api, month))
        page.goto(f"/{language}/statistics?month={month}")
        shown = cells_on(page)
        after = (cases(api, month), promises(api, month))
        if before != after:
            return None
        return shown, published(*after), int(after[0]["threshold"])

    return sync_eventually(steady, timeout=60, interval=1.0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_scoreboard_shows_the_figures_the_api_publishes(
    open_context: OpenContext, api: httpx.Client, month: str, language: str
) -> None:
    page = open_context(language, javascript=False).new_page()

    shown, figures, threshold = read_with_the_api(page, api, language, month)

    expect_page(page, language, words(language, "The network in figures"))
    assert ("volumes", "ma-mediateur", "received") in shown
    for key, figure in figures.items():
        assert shown.get(key) == written(figure, key[0], language, threshold), key
    # A cell the API has no row for counted nothing.
    zero = written(0, "volumes", language, threshold)
    for key, text in shown.items():
        if key not in figures:
            assert text in (zero, words(language, "no date fell due")), key
    for panel in PANELS:
        if page.locator(f'table[data-panel="{panel}"]').count():
            assert bar_words(page, panel) == table_words(page, panel), panel
    withheld = page.locator("td.withheld")
    for i in range(withheld.count()):
        expect(withheld.nth(i)).to_have_text(
            words(language, "fewer than %(threshold)s or withheld") % {"threshold": threshold}
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_month_is_chosen_with_a_plain_form(
    open_context: OpenContext, month: str, language: str
) -> None:
    page = open_context(language, javascript=False).new_page()
    page.goto(f"/{language}/")

    navigating(page, page.locator(f'footer a[href="/{language}/statistics"]').click)
    page.select_option("#month", month)
    navigating(page, page.locator("form.month-choice button[type=submit]").click)

    assert page.url.endswith(f"/{language}/statistics?month={month}")
    expect(page.locator("#month option:checked")).to_have_attribute("value", month)
    expect(page.locator("svg.chart[role=img]").first).to_be_visible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_scoreboard_is_accessible_light_and_asks_nothing_of_other_sites(
    open_context: OpenContext, platform: Platform, month: str, language: str
) -> None:
    page, watched = watched_page(open_context(language), platform.gateway)

    page.goto(f"/{language}/statistics?month={month}")
    page.wait_for_load_state("load")

    expect_page(page, language, words(language, "The network in figures"))
    weight, parts = weight_of_the_page_shown(page, watched.responses)
    assert weight < LIMIT_BYTES, f"{weight} B: " + ", ".join(parts)
    assert not watched.elsewhere, watched.elsewhere
    found = violations(page)
    assert not found, "\n".join(f"{v['id']}: {v['nodes'][0]['html']}" for v in found)
