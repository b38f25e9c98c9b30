"""The gateway's tracking cache on the running platform: a case read again is given from Redis,
and whatever happens to the case — a step an institution takes, a message, what notifications
sent — shows on the next reads all the same."""

from __future__ import annotations

from typing import Any

import httpx

from case_tracking.consumers import subscriptions
from gateway.tracking.invalidation import HANDLED_BY_CASE_TRACKING
from nowrongdoor.arrivals import Arrivals
from nowrongdoor.contracts.events import ComplaintReceived
from nowrongdoor.testing.apps import eventually

from .conftest import Platform
from .test_case_lifecycle import institution
from .test_complaint_to_case import complaint, file, follow_until
from .test_metrics import scrape, total

CACHE_READS = "nwd_tracking_cache_reads_total"


async def test_a_case_read_again_is_given_from_the_cache_until_it_changes(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    identified = {
        "role": "citizen",
        "anonymous": False,
        "name": "Youssef Alaoui",
        "email": "youssef.alaoui@example.org",
    }
    accepted = await file(gateway, complaint(complainant=identified))
    reference, as_complainant = accepted["reference"], {"X-Receipt": accepted["receipt"]}
    await follow_until(gateway, accepted, "routed")
    mediateur = await institution(platform, gateway, "ma-mediateur")

    async def complainant_sees() -> dict[str, Any]:
        answer = await gateway.get(f"/v1/cases/{reference}", headers=as_complainant)
        assert answer.status_code == 200, answer.text
        case: dict[str, Any] = answer.json()
        return case

    before = await scrape(platform.gateway)
    first = await complainant_sees()
    again = await complainant_sees()
    after = await scrape(platform.gateway)
    assert again == first
    assert total(after, CACHE_READS, outcome="hit") > total(before, CACHE_READS, outcome="hit")

    read, etag = await mediateur.read(reference)
    acknowledged = await gateway.post(
        f"/v1/cases/{reference}/status",
        json={"status": "acknowledged"},
        headers=mediateur.headers | {"If-Match": etag},
    )
    assert acknowledged.status_code == 200, acknowledged.text
    # Whoever changed the case reads the change at once.
    reread, reread_etag = await mediateur.read(reference)
    assert (read["status"], reread["status"]) == ("routed", "acknowledged")
    assert reread_etag == acknowledged.headers["etag"]

    # The complainant's answer kept from before is forgotten: the event about the step is heard.
    async def complainant_sees_the_step() -> dict[str, Any] | None:
        case = await complainant_sees()
        return case if case["status"] == "acknowledged" else None

    await eventually(complainant_sees_the_step, timeout=10, interval=0.1)

    # What notifications sent about the case reaches its timeline through case tracking's own
    # consumer; the cache forgets the case once that consumer has handled it. (Later emails
    # about the case wait for the minute in which several steps go out as one.)
    async def told_complainant() -> dict[str, Any] | None:
        case = await complainant_sees()
        sent = [entry for entry in case["timeline"] if entry["kind"] == "notice-sent"]
        return case if sent else None

    await eventually(told_complainant, timeout=30, interval=0.2)


def test_the_cache_follows_every_event_case_tracking_changes_cases_on() -> None:
    """Case tracking's consumers that change what a reader sees, and announce nothing of their
    own, are those whose events the gateway waits for; the accreditations change only the
    relaying NGO's reads, which are never kept, and a complaint received has no case to read
    before it."""
    consumed = {subscription.subject for subscription in subscriptions(Arrivals(), store=None)}  # type: ignore[arg-type]
    followed = {subject for subject, _durable in HANDLED_BY_CASE_TRACKING}
    unseen = {subject for subject in consumed if subject.startswith("accreditation.")}

    assert followed == consumed - unseen - {ComplaintReceived.subject}
