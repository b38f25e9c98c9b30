"""Who reads a complaint as institutions join its joint case or leave it."""

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import CaseInvitationAnswered, CasePartLeft
from nowrongdoor.testing.apps import eventually

from ..support import complaint, file, learned, publish, read_as, routed, submission

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def answered(reference: str, institution_id: str, *, accepted: bool) -> CaseInvitationAnswered:
    return CaseInvitationAnswered(
        reference=reference,
        invitation_id="i-3b9f1c2d4e5a6f70",
        from_institution_id="ma-mediateur",
        institution_id=institution_id,
        accepted=accepted,
        at=NOW,
    )


async def test_an_institution_that_takes_part_reads_the_complaint_until_it_leaves(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    reference = (await file(client, complaint()))["reference"]
    await learned(app, bus, routed(reference, "ma-mediateur"), lambda r: r.decided_at is not None)
    before = await read_as(client, app, reference, "ma-cndh")

    await publish(bus, answered(reference, "ma-inpplc", accepted=False), reference)
    await publish(bus, answered(reference, "ma-cndh", accepted=True), reference)

    async def joined() -> bool:
        return "ma-cndh" in (await submission(app, reference)).competent_institution_ids

    await eventually(joined)
    assert before.status_code == 404
    assert (await read_as(client, app, reference, "ma-cndh")).status_code == 200
    assert (await read_as(client, app, reference, "ma-inpplc")).status_code == 404
    record = await submission(app, reference)
    assert record.competent_institution_ids == ["ma-mediateur", "ma-cndh"]
    assert "ma-inpplc" not in record.involved_institution_ids

    left = CasePartLeft(
        reference=reference, institution_id="ma-mediateur", lead_institution_id="ma-cndh", at=NOW
    )
    await publish(bus, left, reference)

    async def gone() -> bool:
        return "ma-mediateur" not in (await submission(app, reference)).competent_institution_ids

    await eventually(gone)
    assert (await read_as(client, app, reference, "ma-mediateur")).status_code == 404
    assert (await read_as(client, app, reference, "ma-cndh")).status_code == 200
    assert "ma-mediateur" in (await submission(app, reference)).involved_institution_ids
