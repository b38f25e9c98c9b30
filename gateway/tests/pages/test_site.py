"""The pages that explain, the language chosen, and the headers every page carries."""

import httpx
import pytest

from ..fakes import FakeServices

PAGES = ["", "help", "accessibility", "privacy", "guide", "submit", "track", "statistics"]


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        ("nl-BE,nl;q=0.9,en;q=0.5", "nl"),
        ("de-DE", "de"),
        ("ar-MA,fr;q=0.8", "ar"),
        ("es-ES,fr;q=0.5", "fr"),
        ("", "en"),
        ("en;q=0.2,fr;q=0.9", "fr"),
    ],
)
async def test_the_root_chooses_a_language_from_the_browser(
    browser: httpx.AsyncClient, accept: str, language: str
) -> None:
    response = await browser.get("/", headers={"Accept-Language": accept})

    assert response.status_code == 303
    assert response.headers["location"] == f"/{language}/"
    assert "accept-language" in response.headers["vary"].lower()


async def test_the_link_in_a_message_opens_tracking_in_the_reader_s_language(
    browser: httpx.AsyncClient,
) -> None:
    response = await browser.get(
        "/track", params={"reference": "NWD-7K3M9QX2VD4H"}, headers={"Accept-Language": "fr"}
    )

    assert response.headers["location"] == "/fr/track?reference=NWD-7K3M9QX2VD4H"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("language", ["ar", "fr", "en", "nl", "de"])
async def test_every_page_speaks_its_language_under_a_strict_policy(
    browser: httpx.AsyncClient, page: str, language: str
) -> None:
    response = await browser.get(f"/{language}/{page}")

    assert response.status_code == 200
    html = response.text
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html
    assert "<main" in html
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "script-src 'self'" in policy
    assert response.headers["cache-control"] == "no-store"
    assert "http://" not in html and "https://" not in html, "nothing is asked of another host"
    assert len(response.content) < 100_000
    for other in ("ar", "fr", "en", "nl", "de"):
        assert f'href="/{other}/{page}"' in html, "a link to the same page in every language"


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """The cookies a response sets, by name, each as its whole header in lower case."""
    headers = response.headers.get_list("set-cookie")
    return {header.split("=", 1)[0]: header.lower() for header in headers}


async def test_the_form_cookie_is_private_to_this_site(browser: httpx.AsyncClient) -> None:
    response = await browser.get("/en/track")

    cookie = set_cookies(response)["nwd_form"]
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    assert "max-age" not in cookie and "expires" not in cookie, "it ends with the browser"


async def test_home_lists_the_institutions_and_survives_routing_down(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    listed = await browser.get("/fr/")
    services.down.add("routing")
    without = await browser.get("/fr/")

    assert "Institution du Médiateur du Royaume" in listed.text
    assert without.status_code == 200
    assert "Médiateur" not in without.text
    assert 'href="/fr/submit"' in without.text


async def test_static_files_are_served_and_cached(browser: httpx.AsyncClient) -> None:
    css = await browser.get("/static/site.css")
    script = await browser.get("/static/site.js")

    assert css.status_code == 200 and "margin-inline" in css.text
    assert script.status_code == 200
    assert css.headers["cache-control"].startswith("public")


async def test_the_language_chosen_is_remembered_by_its_code_alone(
    browser: httpx.AsyncClient,
) -> None:
    first = await browser.get("/nl/help")
    same_again = await browser.get("/nl/privacy")

    cookie = set_cookies(first)["nwd_language"]
    assert cookie.startswith("nwd_language=nl;"), "the code, and nothing that tells people apart"
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
    assert "max-age=31536000" in cookie, "a year"
    assert "nwd_language" not in set_cookies(same_again), "set only when it changes"


@pytest.mark.parametrize("address", ["/", "/track?reference=NWD-7K3M9QX2VD4H"])
async def test_the_root_and_the_tracking_link_open_in_the_language_last_chosen(
    browser: httpx.AsyncClient, address: str
) -> None:
    await browser.get("/de/")

    response = await browser.get(address, headers={"Accept-Language": "fr-FR,fr;q=0.9"})

    assert response.headers["location"].startswith("/de/")
    assert "cookie" in response.headers["vary"].lower()


async def test_a_language_code_we_do_not_speak_is_not_believed(
    browser: httpx.AsyncClient,
) -> None:
    browser.cookies.set("nwd_language", "xx", domain="citizens.test")

    response = await browser.get("/", headers={"Accept-Language": "nl"})

    assert response.headers["location"] == "/nl/"


async def test_the_privacy_notice_tells_of_the_language_cookie(browser: httpx.AsyncClient) -> None:
    notice = await browser.get("/en/privacy")

    assert "remembers the language you last chose" in notice.text
