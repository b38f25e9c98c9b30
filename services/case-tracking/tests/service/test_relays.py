"""An alert an NGO relayed: the institutions taking part see which NGO brought it, under which
accreditation, and whether they accredit it; the complainant's view names no NGO."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from case_tracking_support import (
    Caller,
    competent,
    complainant,
    publish,
    received,
    routed,
    staff,
)
from fastapi import FastAPI

from case_tracking.models import RelayStanding
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.accreditation_events import AccreditationSuspended
from nowrongdoor.contracts.events import RelayingNgo
from nowrongdoor.contracts.vocabulary import AccreditationStatus
from nowrongdoor.envelope import Envelope
from nowrongdoor.ids import new_reference
from nowrongdoor.testing.apps import eventually

As = Callable[[Principal], Caller]
SHERPA = RelayingNgo(
    ngo_id="fr-sherpa",
    ngo_name="Sherpa",
    accreditation_id="acc-" + "b" * 32,
    accredited_by="fr-hatvp",
)


async def relayed_case(client: httpx.AsyncClient, bus: Bus, as_: As) -> str:
    """Sherpa's alert, routed to the HATVP (which accredits it) and to the Défenseur des droits
    (which does not)."""
    reference = new_reference()
    await publish(
        bus, received(reference, channel="ngo", complainant_role="ngo", relayed_by=SHERPA)
    )
    lead = competent("fr-hatvp").model_copy(update={"relay_accredited": True})
    other = competent("fr-ddd", "associated").model_copy(update={"relay_accredited": False})
    await publish(bus, routed(reference=reference, competent=[lead, other], relayed_by=SHERPA))
    hatvp = as_(staff("fr-hatvp"))

    async def opened() -> bool:
        response = await hatvp.read(reference)
        return response.status_code == 200 and response.json()["relayed_by"] is not None

    await eventually(opened)
    return reference


async def test_the_institutions_see_the_ngo_and_whether_they_accredit_it(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await relayed_case(client, bus, as_)

    seen = (await as_(staff("fr-ddd")).read(reference)).json()

    assert seen["relayed_by"] == SHERPA.model_dump(mode="json")
    assert {p["institution_id"]: p["relay_accredited"] for p in seen["parts"]} == {
        "fr-hatvp": True,
        "fr-ddd": False,
    }


async def test_the_complainants_view_names_no_ngo(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await relayed_case(client, bus, as_)

    seen = (await as_(complainant(reference)).read(reference)).json()

    assert seen["relayed_by"] is None
    assert seen["parts"] is None


async def test_a_complaint_no_ngo_relayed_marks_no_part(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = new_reference()
    await publish(bus, received(reference))
    await publish(bus, routed(reference=reference, competent=[competent("ma-mediateur")]))
    mediateur = as_(staff("ma-mediateur"))

    async def read() -> dict[str, Any] | None:
        response = await mediateur.read(reference)
        decided = response.status_code == 200 and response.json()["status"] == "routed"
        return response.json() if decided else None

    seen = await eventually(read)

    assert seen["relayed_by"] is None
    assert [p["relay_accredited"] for p in seen["parts"]] == [None]


def sherpa(*scopes: str) -> Principal:
    return Principal(
        client_id="nwdc_sherpa",
        kind="ngo",
        institution_id="fr-sherpa",
        scopes=frozenset(scopes or ("cases:read", "cases:write")),
    )


async def test_the_ngo_follows_the_case_as_the_person_would_and_writes_for_them(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await relayed_case(client, bus, as_)
    hatvp, ngo = as_(staff("fr-hatvp")), as_(sherpa())
    asked = {"body": "Can the person send the contract award notice?", "audience": "complainant"}
    internal = {"body": "Looks serious; check the award file.", "audience": "internal"}
    assert (await hatvp.post(f"/internal/cases/{reference}/messages", asked)).status_code == 201
    assert (await hatvp.post(f"/internal/cases/{reference}/messages", internal)).status_code == 201

    answered = await ngo.post(
        f"/internal/cases/{reference}/messages",
        {"body": "Attached is the notice the person gave us.", "audience": "complainant"},
    )
    to_institutions = await ngo.post(
        f"/internal/cases/{reference}/messages",
        {"body": "Between us institutions.", "audience": "institutions"},
    )
    seen = (await ngo.read(reference)).json()
    by_institution = (await hatvp.read(reference)).json()

    assert answered.status_code == 201, answered.text
    assert answered.json()["relayed_by_ngo"] == "fr-sherpa"
    assert to_institutions.status_code == 422
    assert [m["body"] for m in seen["messages"]] == [
        asked["body"],
        "Attached is the notice the person gave us.",
    ]
    assert seen["parts"] is None and seen["relayed_by"] is None
    assert [(m["author"], m["relayed_by_ngo"]) for m in by_institution["messages"]][-1] == (
        "complainant",
        "fr-sherpa",
    )
    assert await ngo.listed("fr-sherpa") == [reference]


async def test_no_other_ngo_reads_or_writes_in_the_case(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await relayed_case(client, bus, as_)
    other = as_(
        Principal(
            client_id="nwdc_anticor",
            kind="ngo",
            institution_id="fr-anticor",
            scopes=frozenset({"cases:read", "cases:write"}),
        )
    )
    reader_only = as_(sherpa("cases:read"))

    read = await other.read(reference)
    unknown = await other.read("NWD-0000000000AA")
    written = await other.post(
        f"/internal/cases/{reference}/messages", {"body": "Hello there.", "audience": "complainant"}
    )
    without_write_scope = await reader_only.post(
        f"/internal/cases/{reference}/messages", {"body": "Hello there.", "audience": "complainant"}
    )

    assert read.status_code == unknown.status_code == 404
    assert read.json() == unknown.json()
    assert written.status_code == without_write_scope.status_code == 404
    assert await other.listed("fr-anticor") == []


async def suspend_sherpa(app: FastAPI, bus: Bus) -> None:
    """The HATVP suspends Sherpa's accreditation; case tracking has heard it on return."""
    step = AccreditationSuspended(
        accreditation_id=SHERPA.accreditation_id or "",
        ngo_id="fr-sherpa",
        institution_id="fr-hatvp",
        status=AccreditationStatus.SUSPENDED,
        previous_status=AccreditationStatus.GRANTED,
        by_client_id="nwdc_hatvp",
        by_kind="institution",
        at=datetime.now(UTC),
    )
    await bus.publish(
        Envelope.wrap(step, source="/tests", subject=step.accreditation_id), step.subject
    )

    async def heard() -> bool:
        async with app.state.runtime.sessions() as session:
            kept = await session.get(RelayStanding, step.accreditation_id)
        return kept is not None and kept.status == "suspended"

    await eventually(heard)


async def work_to_closure(caller: Caller, reference: str) -> None:
    for status, extra in [
        ("acknowledged", {}),
        ("admissible", {}),
        ("investigating", {}),
        ("resolved", {"outcome": "upheld", "reason": "Referred to the prosecutor"}),
        ("closed", {}),
    ]:
        moved = await caller.step(reference, status, **extra)
        assert moved.status_code == 200, moved.text


async def test_once_its_accreditation_ends_the_ngo_reads_until_the_case_closes(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await relayed_case(client, bus, as_)
    ngo, hatvp = as_(sherpa()), as_(staff("fr-hatvp"))
    note = {"body": "A further document from the person.", "audience": "complainant"}
    before = await ngo.post(f"/internal/cases/{reference}/messages", note)

    await suspend_sherpa(app, bus)
    refused = await ngo.post(f"/internal/cases/{reference}/messages", note)
    still_read = await ngo.read(reference)
    for institution in (hatvp, as_(staff("fr-ddd"))):  # a joint case closes with its last part
        await work_to_closure(institution, reference)
    after_closing = await ngo.read(reference)

    assert before.status_code == 201, before.text
    assert refused.status_code == 404
    assert still_read.status_code == 200
    assert [m["body"] for m in still_read.json()["messages"]] == [note["body"]]
    assert after_closing.status_code == 404
    assert await ngo.listed("fr-sherpa") == [reference]  # listed, though no longer opened


async def test_an_institution_of_the_case_withdraws_the_ngo(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await relayed_case(client, bus, as_)
    ngo, hatvp = as_(sherpa()), as_(staff("fr-hatvp"))
    stranger = as_(staff("ma-mediateur"))
    path = f"/internal/cases/{reference}/relay/withdrawal"

    by_stranger = await stranger.post(path, {})
    readable_before = await ngo.read(reference)
    withdrawn = await hatvp.post(path, {})
    again = await hatvp.post(path, {})
    read_after = await ngo.read(reference)
    written_after = await ngo.post(
        f"/internal/cases/{reference}/messages", {"body": "Still here?", "audience": "complainant"}
    )

    assert by_stranger.status_code == 404
    assert readable_before.status_code == 200
    assert withdrawn.status_code == again.status_code == 204
    assert read_after.status_code == written_after.status_code == 404
    assert (await hatvp.read(reference)).status_code == 200
