"""axe-core finds no WCAG 2.2 A or AA failure on any page a citizen can reach, in any language."""

from __future__ import annotations

from typing import Any, Final

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page

from .conftest import OpenContext
from .journey import LANGUAGES, needs_chromium
from .tour import PAGES, every_page

pytestmark = needs_chromium

TAGS: Final = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
AXE: Final = Axe()


def violations(page: Page) -> list[dict[str, Any]]:
    """What axe-core finds against the WCAG tags on the page as it is shown now."""
    results = AXE.run(
        page,
        options={"runOnly": {"type": "tag", "values": list(TAGS)}, "resultTypes": ["violations"]},
    )
    response: dict[str, Any] = results.response
    assert response["passes"], f"axe-core checked nothing on {page.url}"
    return [found for found in response["violations"] if set(found["tags"]) & set(TAGS)]


def described(language: str, name: str, url: str, found: dict[str, Any]) -> str:
    first = found["nodes"][0]
    return (
        f"[{language}] {name} ({url}): {found['id']} ({found['impact']}, "
        f"{len(found['nodes'])} element(s)): {first['html']}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_passes_axe_core(open_context: OpenContext, language: str) -> None:
    page = open_context(language).new_page()
    failures: list[str] = []
    checked: list[str] = []

    for name in every_page(page, language):
        checked.append(name)
        failures += [described(language, name, page.url, v) for v in violations(page)]

    assert checked == list(PAGES)
    assert not failures, "axe-core violations:\n" + "\n".join(failures)
