"""What a citizen does on the pages, step by step, and what they should see at each step.

The tests of this folder share these steps: the journey tests walk them with the mouse, the
keyboard test with the keyboard alone, and the accessibility and page-weight tests walk every
page a citizen can reach (`tour`). Expected words are read from the pages' own catalogue, so a
test follows the translators' wording; names of institutions are the registry's, in each
language.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import httpx
import pytest
from playwright.sync_api import Dialog, Locator, Page, expect

from gateway.pages.rendering import translate

T = TypeVar("T")

CHROMIUM: Final = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"the browser tests drive Debian's Chromium at {CHROMIUM}, which is not installed "
    "(apt-get install chromium)",
)

LANGUAGES: Final = ("ar", "fr", "en", "nl", "de")
RIGHT_TO_LEFT: Final = frozenset({"ar"})
# Left out of the tree (`build/` is ignored); the README shows a chosen few from `docs/screenshots`.
SCREENSHOTS: Final = Path(__file__).resolve().parents[3] / "build" / "screenshots"
SCREENSHOT_LANGUAGES: Final = frozenset({"ar", "fr", "nl"})
CASE_OPENS_WITHIN: Final = 30.0

# A Moroccan maladministration case, which the Médiateur du Royaume takes.
GUIDE_ANSWERS: Final = {
    "category": "maladministration",
    "respondent_type": "local-authority",
    "country": "MA",
    "region": "MA-06",
    "complainant_role": "citizen",
    "administration_contacted": "true",
    "court_case_pending": "false",
}
FACT_CHOICES: Final = {"category": "maladministration", "respondent_type": "local-authority"}
FACT_TERRITORY: Final = "MA-06"
FACT_RADIOS: Final = {
    "complainant_role": "citizen",
    "administration_contacted": "true",
    "court_case_pending": "false",
}
MEDIATEUR: Final = {
    "ar": "مؤسسة وسيط المملكة",
    "fr": "Institution du Médiateur du Royaume",
    "en": "Institution of the Mediator of the Kingdom",
    "nl": "Instelling van de Ombudsman van het Koninkrijk",
    "de": "Institution des Ombudsmanns des Königreichs",
}
INPPLC: Final = {
    "ar": "الهيئة الوطنية للنزاهة والوقاية من الرشوة ومحاربتها",
    "fr": "Instance Nationale de la Probité, de la Prévention et de la Lutte contre la Corruption",
    "en": "National Authority for Probity, Prevention and Fight against Corruption",
    "nl": "Nationale Instantie voor Integriteit, Preventie en Bestrijding van Corruptie",
    "de": "Nationale Behörde für Integrität, Prävention und Korruptionsbekämpfung",
}
"""The INPPLC, which accredits Transparency Maroc in the demo's accreditations."""
REFERENCE: Final = re.compile(r"NWD-[0-9A-Z]{8,}")
RECEIPT: Final = re.compile(r"[0-9]{16}")


@dataclass(frozen=True)
class Written:
    """What the citizen types, and what the institution writes back, in one language."""

    respondent: str
    description: str
    reply: str
    answer: str


WRITTEN: Final = {
    "ar": Written(
        "جماعة الدار البيضاء",
        "لم تُجب الجماعة على طلبي للحصول على عقد الازدياد منذ خمسة أشهر رغم ثلاث زيارات.",
        "توصلنا بشكايتك. هل يمكنك أن تعطينا رقم الطلب؟",
        "رقم الطلب هو 4411-ب.",
    ),
    "fr": Written(
        "Commune de Casablanca",
        "La commune ne répond pas à ma demande d'acte de naissance depuis cinq mois, "
        "malgré trois visites.",
        "Nous avons bien reçu votre plainte. Pouvez-vous nous donner le numéro de la demande ?",
        "Le numéro de la demande est 4411-B.",
    ),
    "en": Written(
        "Commune of Casablanca",
        "The commune has not answered my request for a birth certificate for five months "
        "despite three visits.",
        "We have received your complaint. Could you give us the number of your request?",
        "The number of my request is 4411-B.",
    ),
    "nl": Written(
        "Gemeente Casablanca",
        "De gemeente beantwoordt mijn aanvraag voor een geboorteakte al vijf maanden niet, "
        "ondanks drie bezoeken.",
        "Wij hebben uw klacht ontvangen. Kunt u ons het nummer van de aanvraag geven?",
        "Het nummer van de aanvraag is 4411-B.",
    ),
    "de": Written(
        "Gemeinde Casablanca",
        "Die Gemeinde beantwortet meinen Antrag auf eine Geburtsurkunde seit fünf Monaten "
        "nicht, trotz drei Besuchen.",
        "Wir haben Ihre Beschwerde erhalten. Können Sie uns die Nummer des Antrags nennen?",
        "Die Nummer des Antrags ist 4411-B.",
    ),
}


def words(language: str, message: str) -> str:
    """A message of the pages' catalogue, as the page in `language` shows it."""
    return translate(language, message)


def exactly(text: str) -> re.Pattern[str]:
    """The whole of an element's text, whatever the white space around it."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def sync_eventually(
    probe: Callable[[], T | None], *, timeout: float = 30.0, interval: float = 0.2
) -> T:
    """Poll `probe` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


class Institution:
    """An institution's client of the REST API, with its bearer token."""

    def __init__(self, gateway: httpx.Client, headers: dict[str, str]) -> None:
        self.gateway = gateway
        self.headers = headers

    def case(self, reference: str) -> dict[str, Any]:
        """The case, once it has reached this institution."""

        def reached() -> dict[str, Any] | None:
            response = self.gateway.get(f"/v1/cases/{reference}", headers=self.headers)
            if response.status_code == 404:
                return None
            assert response.status_code == 200, response.text
            case: dict[str, Any] = response.json()
            return case

        return sync_eventually(reached, timeout=CASE_OPENS_WITHIN)

    def complaint(self, reference: str) -> dict[str, Any]:
        """The complaint as filed, once routing's decision has reached its store."""

        def filed() -> dict[str, Any] | None:
            response = self.gateway.get(f"/v1/cases/{reference}/complaint", headers=self.headers)
            if response.status_code == 409:
                return None
            assert response.status_code == 200, response.text
            complaint: dict[str, Any] = response.json()
            return complaint

        return sync_eventually(filed)

    def write(self, reference: str, body: str) -> None:
        response = self.gateway.post(
            f"/v1/cases/{reference}/messages",
            json={"body": body, "audience": "complainant"},
            headers=self.headers,
        )
        assert response.status_code == 201, response.text

    def message_from_complainant(self, reference: str, body: str) -> dict[str, Any]:
        """The complainant's message with this body, once the case shows it."""

        def arrived() -> dict[str, Any] | None:
            for message in self.case(reference)["messages"]:
                if message["author"] == "complainant" and message["body"] == body:
                    found: dict[str, Any] = message
                    return found
            return None

        return sync_eventually(arrived)


class Dialogs:
    """Every dialog the page opens is recorded and accepted, unless told to refuse the next."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        self.refuse_next = False
        page.on("dialog", self._answer)

    def _answer(self, dialog: Dialog) -> None:
        self.seen.append(dialog.type)
        if self.refuse_next:
            self.refuse_next = False
            dialog.dismiss()
        else:
            dialog.accept()


def navigating(page: Page, action: Callable[[], object]) -> None:
    """Do what loads another page (a click, a key), and wait until that page has loaded."""
    with page.expect_navigation():
        action()


def expect_page(page: Page, language: str, heading: str | re.Pattern[str] | None = None) -> None:
    """What every page shows: its language and direction, one main, the language links."""
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", "rtl" if language in RIGHT_TO_LEFT else "ltr")
    expect(page.locator("main")).to_have_count(1)
    links = page.locator("nav[aria-label] a[hreflang]")
    expect(links).to_have_count(len(LANGUAGES))
    assert [links.nth(i).get_attribute("hreflang") for i in range(len(LANGUAGES))] == list(
        LANGUAGES
    )
    expect(page.locator(f'nav[aria-label] a[hreflang="{language}"]')).to_have_attribute(
        "aria-current", "page"
    )
    if heading is not None:
        expected = exactly(heading) if isinstance(heading, str) else heading
        expect(page.locator("main h1")).to_have_text(expected)


def keep_screenshot(page: Page, language: str, name: str) -> None:
    """A full-page picture for the documentation, in the languages it shows."""
    if language in SCREENSHOT_LANGUAGES:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{language}-{name}.png"), full_page=True)


def question_on_page(page: Page) -> str | None:
    """The id of the guide's question shown, or None once the guide gives its answer."""
    radios = page.locator('main input[type=radio][name^="q."]')
    if radios.count() == 0:
        return None
    name = radios.first.get_attribute("name") or ""
    return name.removeprefix("q.")


def choose_and_go_on(page: Page, question: str) -> None:
    page.check(f'input[name="q.{question}"][value="{GUIDE_ANSWERS[question]}"]')
    navigating(page, lambda: page.click("main button[name=go][value=next]"))


def answer_the_guide(page: Page) -> list[str]:
    """Answer every question the guide asks, from the one shown; the questions asked."""
    asked: list[str] = []
    while (question := question_on_page(page)) is not None:
        assert question not in asked, f"the guide asked {question} twice: {asked}"
        asked.append(question)
        choose_and_go_on(page, question)
    return asked


def expect_the_guide_answer(page: Page, language: str) -> None:
    expect_page(page, language, words(language, "This institution is the one for you"))
    expect(page.locator("main")).to_contain_text(MEDIATEUR[language])
    expect(page.locator('main form[action$="/submit"] button[name=go][value=next]')).to_have_text(
        exactly(words(language, "Submit my complaint there"))
    )
    expect(page.locator('main form[action$="/guide"] button[name=go][value=back]')).to_have_text(
        exactly(words(language, "Change my answers"))
    )


def continue_button(page: Page) -> Locator:
    return page.locator('main form[action$="/submit"] button[name=go][value=next]')


def expect_step(page: Page, language: str, title: str) -> None:
    """A step of filing, its title in the heading and marked as the current step."""
    expect_page(page, language, words(language, title))
    expect(page.locator('ol.steps li[aria-current="step"]')).to_have_count(1)


def fill_the_facts(page: Page) -> None:
    for field, value in FACT_CHOICES.items():
        page.select_option(f"#{field}", value)
    page.select_option("#territory", FACT_TERRITORY)
    for field, value in FACT_RADIOS.items():
        page.check(f'input[name="s.{field}"][value="{value}"]')


def fill_the_complaint(page: Page, language: str) -> None:
    page.fill("#respondent_name", WRITTEN[language].respondent)
    page.fill("#description", WRITTEN[language].description)


def expect_the_summary(page: Page, language: str) -> None:
    summary = page.locator("main dl.summary")
    expect(summary).to_have_count(3)
    expect(summary.nth(1)).to_contain_text(WRITTEN[language].respondent)
    expect(summary.nth(1)).to_contain_text(WRITTEN[language].description)
    expect(summary.nth(2)).to_contain_text(words(language, "Anonymous"))


def send_button(page: Page) -> Locator:
    return page.locator('main form[action$="/submit/send"] button[type=submit]')


def read_the_receipt(page: Page, language: str) -> tuple[str, str]:
    """The reference and receipt the receipt page shows, checked for their form."""
    expect_page(page, language, words(language, "Your complaint was received"))
    reference = page.locator("#reference").inner_text().strip()
    receipt = page.locator("#receipt").inner_text().strip()
    assert REFERENCE.fullmatch(reference), reference
    assert RECEIPT.fullmatch(receipt), receipt
    return reference, receipt


def kept_link(page: Page) -> Locator:
    return page.locator("main a[data-kept]")


def expect_the_track_form(page: Page, language: str, reference: str) -> None:
    expect_page(page, language, words(language, "Follow my case"))
    expect(page.locator("#reference")).to_have_value(reference)
    expect(page.locator("#receipt")).to_have_attribute("type", "password")


def open_button(page: Page) -> Locator:
    return page.locator('main form[action$="/track"] button[type=submit]')


def case_heading(language: str, reference: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(words(language, 'Your case'))}\s+{reference}\s*$")


ROUTED: Final = "Your complaint has reached the institution competent for it."


def wait_for_the_case(
    page: Page, language: str, reference: str, reopen: Callable[[], None] | None = None
) -> None:
    """Reload (or `reopen`) until the case page shows the case at the competent institution.

    Right after filing, the case may still be opening ("being opened"), then for a moment be
    only received, before routing's decision reaches it. With JavaScript on, the live status
    may already say "routed" on a page drawn while the case was only received; that page says
    it has changed (`#fresh`) and is reloaded too, since its institutions and timeline are not
    yet there.
    """
    deadline = time.monotonic() + CASE_OPENS_WITHIN
    routed = words(language, ROUTED)
    status = page.locator("#status-words")
    changed = page.locator("#fresh")

    def drawn_routed() -> bool:
        return bool(
            status.count() and status.inner_text().strip() == routed and not changed.is_visible()
        )

    while not drawn_routed():
        if status.count() == 0:
            expect_page(page, language, words(language, "Your case is being opened"))
        assert time.monotonic() < deadline, (
            f"the case did not reach the institution within {CASE_OPENS_WITHIN} s"
        )
        if reopen is None:
            page.reload()
        else:
            reopen()
    expect_page(page, language, case_heading(language, reference))


def expect_the_case(page: Page, language: str) -> None:
    """The case as it reached the Médiateur: its status, who handles it, its timeline."""
    expect(page.locator("#status-words")).to_have_text(exactly(words(language, ROUTED)))
    expect(page.locator("main")).to_contain_text(MEDIATEUR[language])
    expect(page.locator("main ol.timeline > li")).to_have_count(2)
    expect(page.locator("#body")).to_be_editable()
    expect(page.locator("#attachments")).to_have_attribute("type", "file")


def promises(page: Page, language: str) -> list[str]:
    heading = page.locator("main h2", has_text=words(language, "What was promised"))
    return [
        text.strip()
        for text in heading.locator("xpath=following-sibling::ul[1]/li").all_inner_texts()
    ]


def wait_for_message(page: Page, body: str) -> Locator:
    """Reload the case page until a message with this body shows in it."""
    message = page.locator("main ol.messages > li", has_text=body)

    def shown() -> bool:
        if message.count() > 0:
            return True
        page.reload()
        return False

    sync_eventually(shown)
    return message
