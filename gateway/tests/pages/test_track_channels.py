"""Stopping being told of a case from its page: with the receipt, said plainly, and only then."""

from __future__ import annotations

from typing import Final

import httpx
import pytest
from markupsafe import escape

from gateway.languages import LANGUAGES
from gateway.pages.rendering import translate as translated
from nowrongdoor.contacts import ContactDetails
from nowrongdoor.contracts.intake import ComplaintSubmission, IncomingComplaint, ReceiptCheck

from ..fakes import FakeServices, complaint
from .conftest import form_token

EMAIL: Final = "amina@example.org"
STOPPED: Final = "You will no longer be told by email or text message."


async def told_at_an_address(
    browser: httpx.AsyncClient, services: FakeServices, language: str
) -> tuple[str, str, str]:
    """A case filed with an email address, its session open: reference, receipt, form token."""
    submission = ComplaintSubmission.model_validate(
        complaint(complainant={"role": "citizen", "anonymous": True, "email": EMAIL})
    )
    accepted = services.intake.holds(IncomingComplaint(submission=submission, channel="web"))
    token = form_token((await browser.get(f"/{language}/track")).text)
    opened = await browser.post(
        f"/{language}/track",
        data={"csrf": token, "reference": accepted.reference, "receipt": accepted.receipt},
    )
    assert opened.status_code == 303
    return accepted.reference, accepted.receipt, token


def translate(language: str, message: str) -> str:
    """A message of the catalogue as the page writes it, escaped."""
    return str(escape(translated(language, message)))


def address_kept(services: FakeServices, reference: str) -> ContactDetails:
    filed = services.submissions[reference]
    submitted = filed.complaint.submission.complainant
    return filed.contact or ContactDetails(email=submitted.email, phone=submitted.phone)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_stop_telling_me_removes_the_address_and_says_so(
    browser: httpx.AsyncClient, services: FakeServices, language: str
) -> None:
    reference, receipt, token = await told_at_an_address(browser, services, language)

    stopped = await browser.post(
        f"/{language}/track/contact", data={"csrf": token, "receipt": receipt, "go": "remove"}
    )
    page = await browser.get(stopped.headers["location"])

    assert stopped.status_code == 303
    assert stopped.headers["location"] == f"/{language}/track?done=uncontact#contact"
    assert translate(language, STOPPED) in page.text
    assert address_kept(services, reference).is_empty()
    (removal,) = [c for c in services.calls if c.operation == "remove_contact"]
    assert removal.sent == ReceiptCheck(reference=reference, receipt=receipt)
    assert services.count("change_contact") == 0


async def test_stop_telling_me_with_a_wrong_receipt_keeps_the_address(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt, token = await told_at_an_address(browser, services, "nl")
    wrong = "1" * 16 if receipt != "1" * 16 else "2" * 16

    refused = await browser.post(
        "/nl/track/contact", data={"csrf": token, "receipt": wrong, "go": "remove"}
    )

    assert refused.status_code == 422
    assert 'id="contact_receipt-error"' in refused.text
    assert translate("nl", "This receipt is not the one of this case.") in refused.text
    assert translate("nl", STOPPED) not in refused.text
    assert address_kept(services, reference).email == EMAIL


async def test_stop_telling_me_without_the_receipt_asks_nothing_of_intake(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _, token = await told_at_an_address(browser, services, "de")

    refused = await browser.post(
        "/de/track/contact", data={"csrf": token, "receipt": "", "go": "remove"}
    )

    assert refused.status_code == 422
    assert translate("de", "Give your receipt: 16 digits.") in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert services.count("remove_contact") == 0
    assert address_kept(services, reference).email == EMAIL


async def test_stop_telling_me_after_the_session_ended_asks_for_the_receipt_first(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt, token = await told_at_an_address(browser, services, "ar")
    browser.cookies.delete("nwd_case")

    asked = await browser.post(
        "/ar/track/contact", data={"csrf": token, "receipt": receipt, "go": "remove"}
    )

    assert asked.status_code == 401
    assert '<html lang="ar" dir="rtl"' in asked.text
    assert 'id="receipt"' in asked.text, "the reference and receipt form"
    assert services.count("remove_contact") == 0
    assert address_kept(services, reference).email == EMAIL
