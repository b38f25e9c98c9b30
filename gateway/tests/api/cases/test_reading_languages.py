"""The language a reader asks a case's timeline in: `language`, else `Accept-Language`, else
their own, carried to case-tracking by its typed client."""

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from gateway.languages import preferred_language
from nowrongdoor.auth import Principal, development_signing_key
from nowrongdoor.contracts.cases import CasesClient, CaseView, TimelineEntry

from ...fakes import FakeServices
from .parties import institution_headers, routed


async def test_the_complainant_reads_in_the_language_asked_for_else_their_own(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    path, receipt_header = f"/v1/cases/{reference}", {"X-Receipt": receipt}

    own = await client.get(path, headers=receipt_header)
    asked = await client.get(path, params={"language": "nl"}, headers=receipt_header)
    preferred = await client.get(
        path, headers=receipt_header | {"Accept-Language": "es-ES, de-CH;q=0.9, fr;q=0.8"}
    )
    both = await client.get(
        path, params={"language": "ar"}, headers=receipt_header | {"Accept-Language": "de"}
    )

    assert {own.status_code, asked.status_code, preferred.status_code, both.status_code} == {200}
    # None: case-tracking gives the complainant the complaint's own language.
    assert services.cases.read_in == [None, "nl", "de", "ar"]
    assert own.headers["vary"] == "Accept-Language"


async def test_an_institution_asks_for_dutch_and_otherwise_reads_english(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _receipt = routed(services)
    headers = await institution_headers(app, client, "ma-mediateur", "cases:read")

    english = await client.get(f"/v1/cases/{reference}", headers=headers)
    dutch = await client.get(f"/v1/cases/{reference}", params={"language": "nl"}, headers=headers)

    assert english.status_code == dutch.status_code == 200
    assert dutch.headers["etag"] == services.cases.tracked[reference].etag
    assert [call.operation for call in services.cases.calls[-2:]] == ["case_answer"] * 2
    assert services.cases.read_in == [None, "nl"]


async def test_a_language_the_platform_does_not_speak_is_refused_before_any_call(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)

    response = await client.get(
        f"/v1/cases/{reference}", params={"language": "es"}, headers={"X-Receipt": receipt}
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["language"]
    assert services.cases.read_in == []


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-BE", "fr"),
        ("es, nl;q=0.5, de;q=0.7", "de"),
        ("NL-be, fr", "nl"),
        ("ar;q=0, en;q=0.1", "en"),
        ("*, es", None),
        ("fr;q=nonsense, de;q=0.2", "de"),
        ("", None),
        (None, None),
    ],
)
def test_the_first_language_the_platform_speaks_by_weight_then_order(
    header: str | None, language: str | None
) -> None:
    assert preferred_language(header) == language


async def test_the_language_and_accept_language_are_documented(
    client: httpx.AsyncClient,
) -> None:
    follow = (await client.get("/openapi.json")).json()["paths"]["/v1/cases/{reference}"]["get"]

    parameters = {(p["in"], p["name"]): p for p in follow["parameters"]}
    language = parameters[("query", "language")]
    assert language["required"] is False
    assert "Accept-Language" in language["description"]
    assert set(language["schema"]["anyOf"][0]["enum"]) == {"ar", "fr", "en", "nl", "de"}
    assert ("header", "Accept-Language") in parameters
    assert "language" in follow["description"]


async def test_the_typed_client_asks_case_tracking_in_the_language_given(
    tmp_path: Path,
) -> None:
    asked: list[str | None] = []
    view = CaseView(
        reference="NWD-7K3M9QX2VD4H",
        status="received",
        institutions=[],
        timeline=[
            TimelineEntry(
                at=datetime.now(UTC), kind="received", actor="platform", summary="Plainte reçue"
            )
        ],
    )

    def case_tracking(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params.get("language"))
        return httpx.Response(200, json=view.model_dump(mode="json"), headers={"etag": '"1"'})

    http = httpx.AsyncClient(transport=httpx.MockTransport(case_tracking))
    cases = CasesClient(http, "http://cases.test", signing_key=development_signing_key(tmp_path))
    reader = Principal.public().holding_receipt_for(view.reference)

    await cases.case(reader, view.reference)
    await cases.reading_in("nl").case_with_tag(reader, view.reference)
    await cases.reading_in("fr").case(reader, view.reference)
    await cases.case(reader, view.reference)

    # Each read asks in its own language; the client it was made from reads as before.
    assert asked == [None, "nl", "fr", None]
