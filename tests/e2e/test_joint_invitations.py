"""A case becomes joint: the lead asks another institution to take part, which reads the case,
accepts and works its part; a third asked declines and no longer finds the case; an institution
leaves, and the complainant's timeline says so while the case goes on."""

from __future__ import annotations

from typing import Any

import httpx

from nowrongdoor.testing.apps import eventually

from .conftest import Platform
from .test_case_lifecycle import Institution, institution
from .test_complaint_to_case import complaint, file, follow_until


async def change(
    party: Institution, reference: str, path: str, body: dict[str, Any]
) -> httpx.Response:
    """Read the case for its `ETag`, then make the change as `party`."""
    _, etag = await party.read(reference)
    return await party.gateway.post(
        f"/v1/cases/{reference}/{path}", json=body, headers=party.headers | {"If-Match": etag}
    )


async def reads_complaint(party: Institution, reference: str) -> int:
    path = f"/v1/cases/{reference}/complaint"
    return (await party.gateway.get(path, headers=party.headers)).status_code


async def test_a_case_becomes_joint_by_invitation_and_one_part_leaves_it(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    accepted = await file(gateway, complaint())
    reference, as_complainant = accepted["reference"], {"X-Receipt": accepted["receipt"]}
    await follow_until(gateway, accepted, "routed")
    mediateur = await institution(platform, gateway, "ma-mediateur")
    cndh = await institution(platform, gateway, "ma-cndh")
    inpplc = await institution(platform, gateway, "ma-inpplc")
    written = await gateway.post(
        f"/v1/cases/{reference}/messages",
        json={"body": "Le guichet m'a demandé de l'argent."},
        headers=as_complainant,
    )
    assert written.status_code == 201, written.text
    assert (await mediateur.step(reference, status="acknowledged")).status_code == 200
    unasked = await gateway.get(f"/v1/cases/{reference}", headers=cndh.headers)

    asked = await change(
        mediateur,
        reference,
        "invitations",
        {"institution_id": "ma-cndh", "reason": "Des droits fondamentaux sont en cause."},
    )
    seen_while_asked, _ = await cndh.read(reference)
    joined = await change(cndh, reference, "invitation-answer", {"accept": True})

    assert unasked.status_code == 404
    assert asked.status_code == 200, asked.text
    assert seen_while_asked["messages"] == []
    assert [i["reason"] for i in seen_while_asked["invitations"]] == [
        "Des droits fondamentaux sont en cause."
    ]
    assert joined.status_code == 200, joined.text
    assert [(i["institution_id"], i["role"]) for i in joined.json()["institutions"]] == [
        ("ma-mediateur", "lead"),
        ("ma-cndh", "associated"),
    ]
    assert [m["body"] for m in joined.json()["messages"]] == ["Le guichet m'a demandé de l'argent."]

    async def cndh_reads_the_complaint() -> bool:
        return await reads_complaint(cndh, reference) == 200

    assert await eventually(cndh_reads_the_complaint)
    assert (await cndh.step(reference, status="acknowledged")).status_code == 200

    third = await change(
        mediateur,
        reference,
        "invitations",
        {"institution_id": "ma-inpplc", "reason": "Une demande d'argent au guichet."},
    )
    declined = await change(
        inpplc,
        reference,
        "invitation-answer",
        {"accept": False, "reason": "Aucun fait de corruption n'est établi."},
    )
    after_declining = await gateway.get(f"/v1/cases/{reference}", headers=inpplc.headers)

    assert third.status_code == 200, third.text
    assert declined.status_code == 200, declined.text
    assert after_declining.status_code == 404
    assert await reads_complaint(inpplc, reference) == 404
    as_lead, _ = await mediateur.read(reference)
    assert {(i["institution_id"], i["status"]) for i in as_lead["invitations"]} == {
        ("ma-cndh", "accepted"),
        ("ma-inpplc", "declined"),
    }

    left = await change(
        cndh, reference, "leave", {"reason": "La CNDH n'est finalement pas compétente."}
    )
    followed = (
        await gateway.get(
            f"/v1/cases/{reference}", headers=as_complainant, params={"language": "en"}
        )
    ).json()

    assert left.status_code == 200, left.text
    assert followed["status"] == "acknowledged"
    assert [i["institution_id"] for i in followed["institutions"]] == ["ma-mediateur"]
    summaries = [entry["summary"] for entry in followed["timeline"]]
    # Named as routing's decisions named it, or by its id where no decision ever did.
    cndh_names = ("ma-cndh", "Conseil National des Droits de l'Homme")
    assert any(name in s for s in summaries if "take part" in s for name in cndh_names)
    assert any(s.endswith("La CNDH n'est finalement pas compétente.") for s in summaries)
    assert "Aucun fait de corruption" not in str(followed)
    assert followed.get("invitations") is None

    async def cndh_no_longer_reads_it() -> bool:
        return await reads_complaint(cndh, reference) == 404

    assert await eventually(cndh_no_longer_reads_it)
    last = await change(mediateur, reference, "leave", {"reason": "Plus personne."})
    assert last.status_code == 409
    assert last.json()["type"].endswith("/last-part")
    assert (await mediateur.step(reference, status="admissible")).status_code == 200
    assert (await follow_until(gateway, accepted, "admissible"))["status"] == "admissible"
