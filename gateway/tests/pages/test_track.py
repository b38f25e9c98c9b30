"""Following a case as pages: the receipt checked once, then a short session for that one case."""

import re

import httpx
import pytest

from gateway.pages.track import reading as track
from nowrongdoor.contracts.cases import MessageDraft, Withdrawal
from nowrongdoor.contracts.intake import ComplaintSubmission, IncomingComplaint

from ..fakes import FakeServices, complaint
from .conftest import form_token, heading

SUBMISSION = ComplaintSubmission.model_validate(complaint())


def filed(services: FakeServices) -> tuple[str, str]:
    accepted = services.intake.holds(IncomingComplaint(submission=SUBMISSION, channel="web"))
    return accepted.reference, accepted.receipt


async def opened(browser: httpx.AsyncClient, reference: str, receipt: str) -> httpx.Response:
    form = (await browser.get("/en/track")).text
    return await browser.post(
        "/en/track",
        data={"csrf": form_token(form), "reference": reference, "receipt": receipt},
    )


async def test_the_receipt_is_checked_once_then_the_session_carries_the_person(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = filed(services)

    answer = await opened(browser, reference.lower(), f"{receipt[:4]} {receipt[4:]}")
    case = await browser.get("/en/track")
    await browser.post(
        "/en/track/reply", data={"csrf": form_token(case.text), "body": "Voici le numéro."}
    )
    again = await browser.get("/en/track?done=reply")

    assert answer.status_code == 303 and answer.headers["location"] == "/en/track"
    cookie = next(
        v
        for k, v in answer.headers.multi_items()
        if k == "set-cookie" and v.startswith("nwd_case=")
    )
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie
    assert receipt not in cookie and reference not in cookie
    assert heading(case.text).startswith("Your case")
    assert reference in case.text
    assert 'id="status-words"' in case.text
    assert "Voici le numéro." in again.text
    assert "Your message was sent." in again.text
    assert services.count("check_receipt") == 1, "reading and replying hash no receipt again"
    posted = next(c for c in services.calls if c.operation == "post_message")
    assert posted.caller.may_open_as_complainant(reference)
    assert isinstance(posted.sent, MessageDraft) and posted.sent.audience == "complainant"


async def test_a_wrong_receipt_opens_nothing_and_says_so_plainly(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _ = filed(services)

    answer = await opened(browser, reference, "0000000000000000")
    after = await browser.get("/en/track")

    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"]
    assert "No case matches this reference and receipt." in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "nwd_case" not in answer.headers.get("set-cookie", "")
    assert 'id="receipt"' in after.text, "still the form: no case is open"


async def test_leaving_ends_the_session(browser: httpx.AsyncClient, services: FakeServices) -> None:
    reference, receipt = filed(services)
    await opened(browser, reference, receipt)
    case = await browser.get("/en/track")
    stolen = dict(browser.cookies)

    left = await browser.post("/en/track/leave", data={"csrf": form_token(case.text)})
    after = await browser.get(left.headers["location"])
    browser.cookies.update(stolen)
    replayed = await browser.get("/en/track")

    assert left.status_code == 303
    assert "You have left your case." in after.text
    assert reference not in after.text
    assert reference not in replayed.text, "the old session is gone on the server too"


async def test_a_reply_with_a_file_and_its_download(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = filed(services)
    await opened(browser, reference, receipt)
    case = await browser.get("/en/track")

    await browser.post(
        "/en/track/reply",
        data={"csrf": form_token(case.text), "body": "La lettre de la commune."},
        files={"attachments": ("lettre.txt", b"Lettre du 12 mars", "text/plain")},
    )
    page = (await browser.get("/en/track")).text
    link = re.search(r'href="(/en/track/attachments/a-[0-9a-f]{16})"', page)
    assert link, "the file is listed with a link"
    assert "</a> (1 kB)</li>" in page, "its size, rounded up to a kilobyte"
    french = (await browser.get("/fr/track")).text
    assert "</a> (1\u202fko)</li>" in french, "its size as French writes it"
    download = await browser.get(link.group(1))

    assert download.status_code == 200
    assert download.content == b"Lettre du 12 mars"
    assert download.headers["content-disposition"].startswith("attachment;")


async def test_an_empty_reply_is_refused_at_its_field(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = filed(services)
    await opened(browser, reference, receipt)
    case = await browser.get("/en/track")

    refused = await browser.post(
        "/en/track/reply", data={"csrf": form_token(case.text), "body": " "}
    )

    assert refused.status_code == 422
    assert 'id="body-error"' in refused.text
    assert services.count("post_message") == 0


async def test_withdrawing_needs_a_tick_then_withdraws(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = filed(services)
    await opened(browser, reference, receipt)
    token = form_token((await browser.get("/en/track")).text)

    unticked = await browser.post("/en/track/withdraw", data={"csrf": token, "reason": "Réglé."})
    ticked = await browser.post(
        "/en/track/withdraw", data={"csrf": token, "reason": "Réglé.", "confirm": "yes"}
    )

    assert unticked.status_code == 422
    assert "Réglé." in unticked.text, "the reason typed is kept"
    assert ticked.status_code == 303
    (withdrawal,) = [c.sent for c in services.calls if c.operation == "withdraw"]
    assert withdrawal == Withdrawal(reason="Réglé.")


async def test_changing_where_to_be_told_asks_the_receipt_again(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = filed(services)
    await opened(browser, reference, receipt)
    token = form_token((await browser.get("/en/track")).text)
    contact = {"csrf": token, "email": "amina@example.org", "go": "save"}

    wrong = await browser.post("/en/track/contact", data=contact | {"receipt": "1" * 16})
    right = await browser.post("/en/track/contact", data=contact | {"receipt": receipt})

    assert wrong.status_code == 422
    assert 'id="contact_receipt-error"' in wrong.text
    assert "amina@example.org" in wrong.text, "what was typed is kept"
    assert right.status_code == 303
    told_at = services.submissions[reference].contact
    assert told_at is not None and told_at.email == "amina@example.org"


async def test_without_a_session_the_case_pages_ask_for_the_receipt(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    token = form_token((await browser.get("/en/track")).text)

    reply = await browser.post("/en/track/reply", data={"csrf": token, "body": "Hello"})

    assert reply.status_code == 401
    assert "Your session has ended" in reply.text
    assert services.count("post_message") == 0


async def test_a_reply_typed_as_the_session_ended_is_kept_and_sent_after_the_receipt(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = filed(services)
    await opened(browser, reference, receipt)
    token = form_token((await browser.get("/en/track")).text)
    browser.cookies.delete("nwd_case")

    asked = await browser.post(
        "/en/track/reply", data={"csrf": token, "body": "Ma réponse longue."}
    )
    sent = await browser.post(
        "/en/track",
        data={
            "csrf": token,
            "reference": reference,
            "receipt": receipt,
            "pending": "Ma réponse longue.",
        },
    )

    assert asked.status_code == 401
    assert 'name="pending" value="Ma réponse longue."' in asked.text
    assert sent.status_code == 303 and sent.headers["location"].startswith("/en/track?done=reply")
    (posted,) = [c.sent for c in services.calls if c.operation == "post_message"]
    assert isinstance(posted, MessageDraft) and posted.body == "Ma réponse longue."


async def test_live_status_streams_the_case_as_it_changes(
    browser: httpx.AsyncClient, services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(track, "LIVE_FOR_SECONDS", 0.3)
    monkeypatch.setattr(track, "LIVE_INTERVAL_SECONDS", 0.05)
    reference, receipt = filed(services)
    await opened(browser, reference, receipt)

    stream = await browser.get("/en/track/events")
    browser.cookies.delete("nwd_case")
    nobody = await browser.get("/en/track/events")

    assert stream.headers["content-type"].startswith("text/event-stream")
    events = [block for block in stream.text.split("\n\n") if block]
    assert events[0].startswith("event: case\ndata: ")
    assert "Your complaint was received" in events[0]
    assert len([e for e in events if e.startswith("event: case")]) == 1, "sent again only on change"
    assert events[-1].startswith("event: end")
    assert nobody.text.startswith("event: end")


async def test_the_case_page_reads_the_timeline_in_the_page_s_language(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = filed(services)
    await opened(browser, reference, receipt)

    french = await browser.get("/fr/track")
    await browser.get("/nl/track")

    assert services.cases.read_in[-2:] == ["fr", "nl"]
    assert heading(french.text).startswith("Votre dossier")
