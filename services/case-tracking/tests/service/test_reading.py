"""The language each reader reads a case's timeline in: the complainant the complaint's own, an
institution English, either the one it asks for."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from case_tracking_support import Caller, complainant, open_case, publish, received, staff

from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.ids import new_reference
from nowrongdoor.testing.apps import eventually

As = Callable[[Principal], Caller]
REASON = "Merci d'envoyer la lettre de la mairie"


async def summaries(caller: Caller, reference: str, **asked: str) -> list[str]:
    response = await caller.get(f"/internal/cases/{reference}", **asked)
    assert response.status_code == 200, response.text
    return [entry["summary"] for entry in response.json()["timeline"]]


async def worked(client: httpx.AsyncClient, bus: Bus, as_: As) -> str:
    """A French complaint, routed to the Médiateur, which acknowledged it, then asked why."""
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur = as_(staff("ma-mediateur"))
    assert (await mediateur.step(reference, "acknowledged")).status_code == 200
    asked = await mediateur.step(reference, "awaiting-complainant", reason=REASON)
    assert asked.status_code == 200, asked.text
    return reference


async def test_a_french_case_reads_in_french_for_its_complainant(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await worked(client, bus, as_)

    read = await summaries(as_(complainant(reference)), reference)

    assert read == [
        "Plainte reçue par le portail commun",
        "Plainte transmise à Institution ma-mediateur",
        "Réception confirmée par Institution ma-mediateur",
        f"Institution ma-mediateur attend la réponse de l'auteur de la plainte : {REASON}",
    ]


async def test_the_complainant_may_ask_for_another_language(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await worked(client, bus, as_)

    read = await summaries(as_(complainant(reference)), reference, language="de")

    assert read[2:] == [
        "Eingang bestätigt von Institution ma-mediateur",
        f"Institution ma-mediateur wartet auf die Antwort der beschwerdeführenden Person: {REASON}",
    ]


async def test_an_institution_reads_english_and_may_ask_for_dutch(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await worked(client, bus, as_)
    mediateur = as_(staff("ma-mediateur"))

    english = await summaries(mediateur, reference)
    dutch = await summaries(mediateur, reference, language="nl")
    tagged = await mediateur.get(f"/internal/cases/{reference}", language="nl")

    assert english == [
        "Received through the joint portal",
        "Routed to Institution ma-mediateur",
        "Acknowledged by Institution ma-mediateur",
        f"Institution ma-mediateur awaits the complainant's answer: {REASON}",
    ]
    assert dutch == [
        "Ontvangen via het gezamenlijke portaal",
        "Doorgestuurd naar Institution ma-mediateur",
        "Ontvangst bevestigd door Institution ma-mediateur",
        f"Institution ma-mediateur wacht op het antwoord van de indiener: {REASON}",
    ]
    assert tagged.headers["etag"]


async def test_a_language_the_timeline_does_not_read_in_is_refused(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")

    response = await as_(staff("ma-mediateur")).get(f"/internal/cases/{reference}", language="es")

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["language"]


async def test_an_arabic_complaint_reads_in_arabic_from_the_moment_it_is_received(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = new_reference()
    await publish(bus, received(reference, language="ar", received_at=datetime.now(UTC)))
    person = as_(complainant(reference))

    async def seen() -> list[dict[str, Any]] | None:
        response = await person.read(reference)
        return response.json()["timeline"] if response.status_code == 200 else None

    timeline = await eventually(seen)

    assert [entry["summary"] for entry in timeline] == ["استُلمت الشكاية عبر البوابة المشتركة"]
