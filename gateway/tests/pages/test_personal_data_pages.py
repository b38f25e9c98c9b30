"""A complainant downloads or erases their personal data from the case page, receipt given again."""

from __future__ import annotations

import json

import httpx

from nowrongdoor.contracts.intake import ComplaintSubmission, IncomingComplaint

from ..fakes import FakeServices, complaint
from .conftest import form_token

SUBMISSION = ComplaintSubmission.model_validate(complaint())


async def opened_case(browser: httpx.AsyncClient, services: FakeServices) -> tuple[str, str, str]:
    """The reference, the receipt and the case page, its session open."""
    accepted = services.intake.holds(IncomingComplaint(submission=SUBMISSION, channel="web"))
    form = (await browser.get("/en/track")).text
    await browser.post(
        "/en/track",
        data={
            "csrf": form_token(form),
            "reference": accepted.reference,
            "receipt": accepted.receipt,
        },
    )
    page = (await browser.get("/en/track")).text
    return accepted.reference, accepted.receipt, page


async def test_the_case_page_offers_download_and_erasure(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    _, _, page = await opened_case(browser, services)

    assert '<h2 id="personal-data">Your personal data</h2>' in page
    assert 'action="/en/track/personal-data"' in page
    assert 'action="/en/track/personal-data/erase"' in page
    assert "Download my personal data" in page and "Erase my personal data" in page


async def test_the_download_is_what_the_api_exports_as_a_json_file(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt, page = await opened_case(browser, services)

    answer = await browser.post(
        "/en/track/personal-data",
        data={"csrf": form_token(page), "receipt": f"{receipt[:4]} {receipt[4:]}"},
    )

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    disposition = answer.headers["content-disposition"]
    assert disposition == f'attachment; filename="{reference}-personal-data.json"'
    assert answer.headers["cache-control"] == "no-store"
    data = json.loads(answer.text)
    assert data["reference"] == reference
    assert data["description"] == SUBMISSION.description
    assert data["erased"] is False
    assert services.count("export_personal_data") == 1


async def test_a_wrong_receipt_downloads_nothing_and_says_so(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    _, _, page = await opened_case(browser, services)

    answer = await browser.post(
        "/en/track/personal-data", data={"csrf": form_token(page), "receipt": "0" * 16}
    )
    empty = await browser.post("/en/track/personal-data", data={"csrf": form_token(page)})

    assert answer.status_code == 422
    assert "text/html" in answer.headers["content-type"]
    assert "This receipt is not the one of this case." in answer.text
    assert 'id="export_receipt-error"' in answer.text
    assert SUBMISSION.description not in answer.text
    assert empty.status_code == 422 and "Give your receipt: 16 digits." in empty.text


async def test_erasing_asks_for_the_box_then_erases_and_the_case_goes_on(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt, page = await opened_case(browser, services)
    token = form_token(page)

    unticked = await browser.post(
        "/en/track/personal-data/erase", data={"csrf": token, "receipt": receipt}
    )
    erased = await browser.post(
        "/en/track/personal-data/erase", data={"csrf": token, "receipt": receipt, "confirm": "yes"}
    )
    after = await browser.get(erased.headers["location"])
    export = await browser.post("/en/track/personal-data", data={"csrf": token, "receipt": receipt})

    assert unticked.status_code == 422
    assert "Tick the box to confirm that you erase your personal data." in unticked.text
    assert 'id="erase_confirm-error"' in unticked.text
    assert erased.status_code == 303
    assert erased.headers["location"] == "/en/track?done=erased#personal-data"
    assert "Your personal data has been erased." in after.text
    assert reference in after.text, "the case itself goes on"
    assert services.count("erase_personal_data") == 1
    data = json.loads(export.text)
    assert data["erased"] is True and data["description"] is None


async def test_a_form_from_elsewhere_erases_nothing(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    _, receipt, _ = await opened_case(browser, services)

    forged = await browser.post(
        "/en/track/personal-data/erase",
        data={"csrf": "forged", "receipt": receipt, "confirm": "yes"},
    )
    bare = await browser.post("/en/track/personal-data", data={"receipt": receipt})

    assert forged.status_code == 403
    assert bare.status_code == 403
    assert services.count("erase_personal_data") == 0
    assert services.count("export_personal_data") == 0


async def test_without_a_session_the_receipt_form_comes_back_and_nothing_is_erased(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    accepted = services.intake.holds(IncomingComplaint(submission=SUBMISSION, channel="web"))
    form = (await browser.get("/en/track")).text

    answer = await browser.post(
        "/en/track/personal-data/erase",
        data={"csrf": form_token(form), "receipt": accepted.receipt, "confirm": "yes"},
    )

    assert answer.status_code == 401
    assert 'id="receipt"' in answer.text
    assert services.count("erase_personal_data") == 0
