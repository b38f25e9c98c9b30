"""What people and institutions typed is isolated for direction: a Latin-script reply keeps its
order on an Arabic page, an Arabic message keeps its own on a French page."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Final

import httpx

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import MessageDraft
from nowrongdoor.contracts.intake import ComplaintSubmission, IncomingComplaint
from nowrongdoor.contracts.routing import InstitutionSummary

from ..fakes import FakeServices, complaint
from .conftest import form_token, hidden_fields

VOID: Final = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
LATIN_REPLY: Final = "We received your complaint (ref. 4411-B). Could you send the letter?"
ARABIC_MESSAGE: Final = "رقم الطلب هو 4411-ب، وقد زرت الجماعة ثلاث مرات."
ARABIC_NAME: Final = "مؤسسة وسيط المملكة"
ARABIC_OFFICE: Final = "مندوبية الدار البيضاء سطات"
MEDIATEUR: Final = InstitutionSummary(
    institution_id="ma-mediateur", name=ARABIC_NAME, office_name=ARABIC_OFFICE, role="lead"
)
STAFF: Final = Principal(
    client_id="mediateur",
    kind="institution",
    institution_id="ma-mediateur",
    scopes=frozenset({"cases:read", "cases:write"}),
)


class Holders(HTMLParser):
    """For each piece of text, the element that holds it and whether it isolates direction."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, dict[str, str | None]]] = []
        self.found: dict[str, tuple[str, dict[str, str | None]]] = {}
        self.texts: list[str] = []
        self.held: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.open.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if data.strip() and self.open:
            self.found.setdefault(data.strip(), self.open[-1])
            self.texts.append(data.strip())
            self.held.append(self.open[-1])


def isolated(html: str, text: str) -> str:
    """How the element that holds `text` isolates it: `bdi`, `dir=auto`, `dir=ltr`… or fail."""
    parser = Holders()
    parser.feed(html)
    holders = [held for shown, held in parser.found.items() if text in shown]
    assert holders, f"{text!r} is not on the page"
    tag, attributes = holders[0]
    if tag == "bdi":
        return "bdi"
    assert attributes.get("dir"), f"{text!r} sits in <{tag} {attributes}> without a dir of its own"
    return f"dir={attributes['dir']}"


def everywhere_isolated(html: str, text: str) -> bool:
    """Whether every element holding `text` is a `bdi` or has a `dir` of its own."""
    parser = Holders()
    parser.feed(html)
    holders = [parser.held[i] for i, shown in enumerate(parser.texts) if text in shown]
    assert holders, f"{text!r} is not on the page"
    return all(tag == "bdi" or attributes.get("dir") for tag, attributes in holders)


def value_isolated(html: str, field: str, value: str) -> str:
    """How the form field `field` holding `value` is isolated for direction."""
    attributes = dict(_fields(html)[field])
    assert attributes.get("value") == value, (field, attributes)
    assert attributes.get("dir"), f"the field {field} has no dir of its own"
    return f"dir={attributes['dir']}"


def _fields(html: str) -> dict[str, list[tuple[str, str]]]:
    class Fields(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.fields: dict[str, list[tuple[str, str]]] = {}

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            kept = [(k, v or "") for k, v in attrs]
            if tag == "input" and dict(kept).get("id"):
                self.fields[dict(kept)["id"]] = kept

    parser = Fields()
    parser.feed(html)
    return parser.fields


async def case_open_in(
    browser: httpx.AsyncClient, services: FakeServices, language: str
) -> tuple[str, str]:
    """A case at the Médiateur (its name in Arabic), its session open in this browser."""
    submission = ComplaintSubmission.model_validate(complaint())
    accepted = services.intake.holds(IncomingComplaint(submission=submission, channel="web"))
    services.cases.routed(accepted.reference, MEDIATEUR)
    form = (await browser.get(f"/{language}/track")).text
    opened = await browser.post(
        f"/{language}/track",
        data={
            "csrf": form_token(form),
            "reference": accepted.reference,
            "receipt": accepted.receipt,
        },
    )
    assert opened.status_code == 303
    return accepted.reference, form_token(form)


async def test_an_arabic_page_isolates_a_latin_reply_and_the_reference(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _ = await case_open_in(browser, services, "ar")
    await services.cases.post_message(STAFF, reference, MessageDraft(body=LATIN_REPLY))

    page = (await browser.get("/ar/track")).text

    assert '<html lang="ar" dir="rtl"' in page
    assert isolated(page, LATIN_REPLY) == "dir=auto"
    assert isolated(page, reference) == "bdi"


async def test_a_french_page_isolates_an_arabic_message_and_arabic_names(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    _, token = await case_open_in(browser, services, "fr")

    sent = await browser.post("/fr/track/reply", data={"csrf": token, "body": ARABIC_MESSAGE})
    page = (await browser.get(sent.headers["location"])).text

    assert sent.status_code == 303
    assert '<html lang="fr" dir="ltr"' in page
    assert isolated(page, ARABIC_MESSAGE) == "dir=auto"
    assert isolated(page, ARABIC_NAME) == "bdi"
    assert isolated(page, ARABIC_OFFICE) == "bdi"


async def test_the_promises_isolate_the_institution_s_name(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    await case_open_in(browser, services, "fr")

    page = (await browser.get("/fr/track")).text

    assert everywhere_isolated(page, ARABIC_NAME)


async def test_the_summary_isolates_the_description_and_the_names_typed(
    browser: httpx.AsyncClient,
) -> None:
    facts = {
        "s.category": "maladministration",
        "s.respondent_type": "local-authority",
        "s.territory": "MA-06",
        "s.complainant_role": "citizen",
        "s.administration_contacted": "true",
        "s.court_case_pending": "false",
    }
    typed = {
        "s.respondent_name": "Commune de Casablanca",
        "s.description": "La commune ne répond pas depuis cinq mois.",
        "s.anonymous": "false",
        "s.name": "Amina El Idrissi",
    }
    start = (await browser.get("/ar/submit")).text
    sent = hidden_fields(start, "/ar/submit") | facts | typed | {"step": "identity", "go": "next"}

    summary = (await browser.post("/ar/submit", data=sent, follow_redirects=True)).text
    back = await browser.post(
        "/ar/submit",
        data=hidden_fields(summary, "/ar/submit") | {"go": "edit:complaint"},
        follow_redirects=True,
    )

    assert '<html lang="ar" dir="rtl"' in summary
    assert isolated(summary, "Commune de Casablanca") == "dir=auto"
    assert isolated(summary, "La commune ne répond pas depuis cinq mois.") == "dir=auto"
    assert isolated(summary, "Amina El Idrissi") == "dir=auto"
    assert value_isolated(back.text, "respondent_name", "Commune de Casablanca") == "dir=auto"
    assert isolated(back.text, "La commune ne répond pas depuis cinq mois.") == "dir=auto"


async def test_an_arabic_receipt_page_isolates_the_reference(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    token = form_token((await browser.get("/ar/track")).text)
    state = {
        "s.category": "maladministration",
        "s.respondent_type": "local-authority",
        "s.territory": "MA-06",
        "s.complainant_role": "citizen",
        "s.administration_contacted": "true",
        "s.court_case_pending": "false",
        "s.respondent_name": "Commune de Casablanca",
        "s.description": "La commune ne répond pas depuis cinq mois.",
        "s.anonymous": "true",
    }

    receipt = await browser.post(
        "/ar/submit/send", data={"csrf": token, "once": "summary-1"} | state
    )
    stylesheet = (await browser.get("/static/site.css")).text

    ((reference, _),) = services.submissions.items()
    parser = Holders()
    parser.feed(receipt.text)
    tag, attributes = parser.found[reference]
    assert "secret" in (attributes.get("class") or "").split(), (tag, attributes)
    rule = stylesheet[stylesheet.index(".secret {") :].split("}", 1)[0]
    assert "direction: ltr" in rule and "unicode-bidi: isolate" in rule
