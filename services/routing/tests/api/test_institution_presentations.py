"""An institution as the API shows it: the zone of its times, and its presentations if any."""

from __future__ import annotations

import httpx

from nowrongdoor.contracts.routing import InstitutionView
from routing.api.institutions import institution_view
from routing.domain import Registry, load_seed_registry


async def test_each_institution_is_listed_with_its_zone_and_no_presentation_yet(
    client: httpx.AsyncClient,
) -> None:
    listed = (await client.get("/internal/institutions", params={"lang": "nl"})).json()

    by_id = {item["institution_id"]: item for item in listed}
    assert by_id["be-vlaanderen"]["time_zone"] == "Europe/Brussels"
    assert by_id["ma-cndp"]["time_zone"] == "Africa/Casablanca"
    assert by_id["fr-hatvp"]["time_zone"] == "Europe/Paris"
    assert by_id["be-vlaanderen"]["presentations"] == {
        "sign_language_video": None,
        "easy_read": None,
    }


def test_a_published_presentation_is_shown_by_its_path_on_this_site() -> None:
    directory = load_seed_registry().to_dict()
    declared = next(i for i in directory["institutions"] if i["id"] == "be-vlaanderen")
    declared["presentations"] = {"sign_language_video": "/media/be-vlaanderen/vgt.mp4"}
    registry = Registry.from_dict(directory)

    view = institution_view(registry.institutions["be-vlaanderen"], "nl", registry.version)

    assert isinstance(view, InstitutionView)
    assert view.presentations.sign_language_video == "/media/be-vlaanderen/vgt.mp4"
    assert view.presentations.easy_read is None
