"""The words of every notice: complete in every language, one message per burst, never a receipt."""

from __future__ import annotations

import re
from typing import Any

import pytest

from notifications.channels import CannotDeliver, Notice
from notifications.messages import (
    AUDIENCES,
    KINDS,
    LANGUAGES,
    Audience,
    WordingError,
    catalogue,
    render,
)
from nowrongdoor.contracts.vocabulary import CaseStatus, ServiceStandard

REFERENCE = "NWD-7K3M9QX2VD4H"
OTHER = "NWD-9X2VD4H7K3MQ"
PUBLIC_URL = "https://nowrongdoor.example.org"

DETAILS: dict[str, dict[str, Any]] = {
    "status-changed": {"status": "investigating"},
    "deadline-breached": {"standard": "acknowledge", "due": "2026-12-20"},
    "transferred-in": {"from_institution": "be-unia"},
    "transferred-out": {"to_institution": "be-unia"},
    "endpoint-disabled": {"url_host": "cases.example.org", "reason": "HTTP 503 for 3 days"},
}

CASES = [
    (kind, audience, language)
    for kind, audiences in AUDIENCES.items()
    for audience in audiences
    for language in LANGUAGES
]
LEFTOVER = re.compile(r"\{\{|\}\}|\{[a-z_]+\}|\{%")


def notice(kind: str, reference: str = REFERENCE, **extra: Any) -> Notice:
    return Notice(kind, reference, DETAILS.get(kind, {}) | extra)


@pytest.mark.parametrize(("kind", "audience", "language"), CASES)
def test_every_kind_has_its_own_words_in_every_language(
    kind: str, audience: str, language: str
) -> None:
    words = catalogue(language)["kinds"].get(kind, {}).get(audience, {})
    variants = [words, *([words["general"]] if "general" in words else [])]

    for variant in variants:
        assert {part: bool(variant.get(part)) for part in ("subject", "text", "short")} == {
            "subject": True,
            "text": True,
            "short": True,
        }


@pytest.mark.parametrize(("kind", "audience", "language"), CASES)
def test_every_kind_renders_whole_in_every_language(
    kind: str, audience: Audience, language: str
) -> None:
    rendered = render([notice(kind)], language, audience, PUBLIC_URL)

    assert rendered.language == language
    for part in (rendered.subject, rendered.text, rendered.html, rendered.short):
        assert part.strip()
        assert not LEFTOVER.search(part), part
    if kind == "endpoint-disabled":
        assert "cases.example.org" in rendered.subject
    else:
        assert REFERENCE in rendered.subject
        assert REFERENCE in rendered.text
    assert len(rendered.short) <= 160
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in rendered.html
    assert f'<body dir="{direction}"' in rendered.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_status_and_promise_has_a_translation(language: str) -> None:
    words = catalogue(language)

    assert sorted(words["statuses"]) == sorted(status.value for status in CaseStatus)
    assert sorted(words["standards"]) == sorted(standard.value for standard in ServiceStandard)
    assert set(words["promised"]) == {"text", "short"}
    assert set(words["footer"]) == {"complainant", "institution"}
    assert words["direction"] == ("rtl" if language == "ar" else "ltr")


def test_a_status_is_told_in_the_readers_words() -> None:
    rendered = render([notice("status-changed")], "fr", "complainant", PUBLIC_URL)

    assert rendered.subject == f"Votre dossier {REFERENCE} : en cours d\u2019instruction"
    assert "investigating" not in rendered.text


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("fr", "10 décembre 2026"),
        ("nl", "10 december 2026"),
        ("de", "10. Dezember 2026"),
    ],
)
def test_a_date_is_written_as_the_reader_writes_it(language: str, written: str) -> None:
    late = notice("deadline-breached", due="2026-12-10")

    assert written in render([late], language, "complainant", PUBLIC_URL).text


def test_a_status_change_tells_the_next_promised_step_and_in_a_burst_only_the_latest() -> None:
    routed = notice(
        "status-changed",
        status="routed",
        promised=[{"standard": "acknowledge", "due": "2026-12-10", "institution": "ma-cndh"}],
    )
    acknowledged = notice(
        "status-changed",
        status="acknowledged",
        promised=[{"standard": "admissibility", "due": "2026-12-24", "institution": "ma-cndh"}],
    )

    alone = render([routed], "ar", "complainant", PUBLIC_URL)
    burst = render([routed, acknowledged], "en", "complainant", PUBLIC_URL)

    assert "تأكيد الاستلام في أجل أقصاه 10 ديسمبر 2026" in alone.text
    # The SMS keeps the whole link, its language included, and shortens the text before it.
    assert "تأكيد الاستلام قبل 10 ديسمبر" in alone.short
    assert alone.short.endswith(f"/ar/track?reference={REFERENCE}")
    assert "Next promised step: the admissibility decision by December 24, 2026." in burst.text
    assert "December 10" not in burst.text


def test_the_acknowledgement_asks_to_keep_the_receipt_and_never_carries_one() -> None:
    stray = notice("acknowledgement", receipt="ZK4P-8XQ2-MNT7-WV3R")

    rendered = render([stray], "en", "complainant", PUBLIC_URL)

    assert "Keep the receipt" in rendered.text
    for part in (rendered.subject, rendered.text, rendered.html, rendered.short):
        assert "ZK4P" not in part


def test_links_lead_the_complainant_to_tracking_and_institutions_to_the_api() -> None:
    for_complainant = render([notice("message-received")], "en", "complainant", PUBLIC_URL + "/")
    for_institution = render([notice("message-received")], "en", "institution", PUBLIC_URL)

    tracking = f"{PUBLIC_URL}/en/track?reference={REFERENCE}"
    assert tracking in for_complainant.text
    assert f'href="{tracking}"' in for_complainant.html
    assert for_complainant.short.endswith(tracking)
    assert f"{PUBLIC_URL}/v1/cases/{REFERENCE}" in for_institution.text


@pytest.mark.parametrize("language", ["ar", "fr", "en", "nl", "de"])
def test_the_complainant_s_link_opens_the_case_page_in_the_message_s_language(
    language: str,
) -> None:
    rendered = render([notice("message-received")], language, "complainant", PUBLIC_URL)

    tracking = f"{PUBLIC_URL}/{language}/track?reference={REFERENCE}"
    assert f'href="{tracking}"' in rendered.html
    assert tracking in rendered.text
    assert rendered.short.endswith(tracking)


def test_a_language_the_pages_do_not_speak_links_to_the_one_the_message_is_written_in() -> None:
    rendered = render([notice("message-received")], "nl-BE", "complainant", PUBLIC_URL)

    assert rendered.language == "nl"
    assert f"{PUBLIC_URL}/nl/track?reference={REFERENCE}" in rendered.text


def test_a_burst_becomes_one_message_with_a_paragraph_each() -> None:
    burst = [notice("status-changed"), notice("message-received"), notice("deadline-breached")]

    rendered = render(burst, "en", "complainant", PUBLIC_URL)

    assert rendered.subject == f"3 updates on case {REFERENCE}"
    # Three paragraphs, then one link: every notice is about the same case.
    assert rendered.html.count('<p style="margin: 0 0 1rem;">') == 4
    assert "under investigation" in rendered.text
    assert "A new message about your case" in rendered.text
    assert "acknowledgement by December 20, 2026" in rendered.text
    assert rendered.text.count(f"/en/track?reference={REFERENCE}") == 1
    assert rendered.short.startswith(f"3 updates on case {REFERENCE}.")
    assert len(rendered.short) <= 160


def test_a_burst_over_several_cases_names_them_all() -> None:
    burst = [notice("case-opened"), notice("case-opened", OTHER)]

    rendered = render(burst, "de", "institution", PUBLIC_URL)

    assert rendered.subject == "2 Neuigkeiten zu Ihren Fällen"
    assert f"{PUBLIC_URL}/v1/cases/{REFERENCE}" in rendered.text
    assert f"{PUBLIC_URL}/v1/cases/{OTHER}" in rendered.text
    assert REFERENCE in rendered.short and OTHER in rendered.short


def test_institutions_are_named_when_their_names_are_given_and_escaped_in_html() -> None:
    named = notice("transferred-out", institution_names={"be-unia": "Unia <Centre>"})

    rendered = render([named], "en", "institution", PUBLIC_URL)
    unnamed = render([notice("transferred-out")], "en", "institution", PUBLIC_URL)

    assert "to Unia <Centre>," in rendered.text
    assert "Unia &lt;Centre&gt;" in rendered.html
    assert "<Centre>" not in rendered.html
    assert "to be-unia," in unnamed.text


@pytest.mark.parametrize(("asked", "written"), [("xx", "fr"), ("fr-BE", "fr"), ("NL", "nl")])
def test_an_unknown_language_falls_back_to_french(asked: str, written: str) -> None:
    rendered = render([notice("case-opened")], asked, "institution", PUBLIC_URL)

    assert rendered.language == written
    assert f'lang="{written}"' in rendered.html


def test_a_kind_without_words_is_a_clear_error() -> None:
    with pytest.raises(WordingError, match="case-closed"):
        render([notice("case-closed")], "en", "institution", PUBLIC_URL)
    with pytest.raises(WordingError, match="triage-waiting"):
        render([notice("triage-waiting")], "en", "complainant", PUBLIC_URL)


def test_a_missing_detail_is_named() -> None:
    with pytest.raises(WordingError, match="`status`"):
        render([Notice("status-changed", REFERENCE)], "ar", "complainant", PUBLIC_URL)


def test_kinds_are_the_shared_vocabulary() -> None:
    assert set(KINDS) == {
        "acknowledgement",
        "case-opened",
        "status-changed",
        "message-received",
        "deadline-breached",
        "triage-waiting",
        "transferred-in",
        "transferred-out",
        "invitation-received",
        "endpoint-disabled",
    }


def test_a_transfer_out_names_where_the_case_went_or_says_it_went_on() -> None:
    sent_on = notice("transferred-out", to_institution=None, institution_ids=["be-unia", "be-ig"])
    unknown = Notice("transferred-out", REFERENCE, {"from_institution": "be-fedombuds"})

    to_both = render([sent_on], "en", "institution", PUBLIC_URL)
    onwards = render([unknown], "nl", "institution", PUBLIC_URL)

    assert "to be-unia, be-ig, which handles it" in to_both.text
    assert onwards.subject == f"Dossier {REFERENCE} overgedragen"
    assert "de bevoegde instelling" in onwards.text


def test_missing_words_fail_the_delivery_rather_than_retry_it() -> None:
    with pytest.raises(CannotDeliver):
        render([Notice("status-changed", REFERENCE)], "en", "complainant", PUBLIC_URL)
