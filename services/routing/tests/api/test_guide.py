"""The citizens' guide: plain questions in five languages, answered by the engine itself."""

import logging
import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from nowrongdoor import db
from routing.domain import load_seed_registry

SEED = load_seed_registry()
ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")


def answers(**changes: Any) -> dict[str, Any]:
    """A citizen whose commune in Casablanca-Settat ignored them after they wrote to it."""
    base: dict[str, Any] = {
        "category": "maladministration",
        "respondent_type": "local-authority",
        "territory": "MA-06",
        "complainant_role": "citizen",
        "administration_contacted": True,
        "court_case_pending": False,
    }
    return base | changes


async def test_the_questions_come_one_by_one_in_the_order_a_person_answers_them(
    client: httpx.AsyncClient,
) -> None:
    guide = (await client.get("/internal/guide", params={"lang": "en"})).json()

    assert [q["id"] for q in guide["questions"]] == [
        "category",
        "respondent_type",
        "country",
        "region",
        "complainant_role",
        "administration_contacted",
        "court_case_pending",
    ]
    by_id = {q["id"]: q for q in guide["questions"]}
    assert by_id["category"]["text"] == "What is your complaint about?"
    assert {o["value"] for o in by_id["category"]["options"]} >= {"corruption", "other"}
    assert [o["value"] for o in by_id["country"]["options"]] == ["BE", "FR", "MA", "ZZ"]
    assert [o["label"] for o in by_id["country"]["options"]][:3] == ["Belgium", "France", "Morocco"]
    assert by_id["region"]["depends_on"] == "country"
    regions = {o["value"]: o for o in by_id["region"]["options"]}
    assert regions["MA-06"]["country"] == "MA"
    assert regions["MA-CAS"]["label"] == "Casablanca-Settat — Casablanca"
    assert regions["MA"]["label"].startswith("Morocco — ")
    assert [o["value"] for o in by_id["court_case_pending"]["options"]] == [True, False]
    assert guide["registry_version"] == SEED.version


@pytest.mark.parametrize(
    ("language", "question", "country"),
    [
        ("ar", "ما موضوع شكايتك؟", "المغرب"),
        ("fr", "Sur quoi porte votre plainte ?", "Maroc"),
        ("nl", "Waarover gaat uw klacht?", "Marokko"),
        ("de", "Worum geht es in Ihrer Beschwerde?", "Marokko"),
    ],
)
async def test_the_guide_speaks_the_language_asked_for(
    client: httpx.AsyncClient, language: str, question: str, country: str
) -> None:
    guide = (await client.get("/internal/guide", params={"lang": language})).json()

    texts = [q["text"] for q in guide["questions"]]
    # Regions keep their own names where the directory gives no translation.
    labels = [o["label"] for q in guide["questions"] if q["id"] != "region" for o in q["options"]]
    assert texts[0] == question
    assert country in labels
    in_arabic = [bool(ARABIC_LETTER.search(text)) for text in texts + labels]
    assert set(in_arabic) == {language == "ar"}


async def test_a_language_the_guide_does_not_speak_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/internal/guide", params={"lang": "es"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lang"


async def test_the_answer_names_the_office_and_explains_in_the_asked_language(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/internal/guide/answers", params={"lang": "ar"}, json=answers())

    assert response.status_code == 200
    result = response.json()
    assert (result["outcome"], result["reason"]) == ("competent", "single-institution")
    lead = result["institutions"][0]
    assert (lead["institution_id"], lead["name"]) == ("ma-mediateur", "مؤسسة وسيط المملكة")
    assert lead["office_name"] == "المندوبية الجهوية للدار البيضاء-سطات"
    assert result["explanation"].startswith("الجهة المختصة بشكايتك هي: مؤسسة وسيط المملكة")
    assert result["advice"] is None


async def test_the_guide_ends_at_the_german_speaking_communitys_ombudsman_in_german(
    client: httpx.AsyncClient,
) -> None:
    result = (
        await client.post(
            "/internal/guide/answers",
            params={"lang": "de"},
            json=answers(respondent_type="regional-administration", territory="BE-DG"),
        )
    ).json()

    assert (result["outcome"], result["reason"]) == ("competent", "single-institution")
    [ombudsman] = result["institutions"]
    assert ombudsman["institution_id"] == "be-ostbelgien"
    assert ombudsman["name"] == "Ombudsdienst der Deutschsprachigen Gemeinschaft"
    assert ombudsman["name"] in result["explanation"]


async def test_the_guide_ends_at_the_afa_with_the_defender_of_rights_for_a_whistleblower(
    client: httpx.AsyncClient,
) -> None:
    result = (
        await client.post(
            "/internal/guide/answers",
            params={"lang": "en"},
            json=answers(
                category="corruption",
                respondent_type="public-enterprise",
                territory="FR-IDF",
                complainant_role="public-official",
            ),
        )
    ).json()

    assert [(i["institution_id"], i["role"]) for i in result["institutions"]] == [
        ("fr-afa", "lead"),
        ("fr-ddd", "associated"),
    ]
    assert result["institutions"][0]["name"] == "French Anti-Corruption Agency"


async def test_a_missing_prerequisite_is_told_with_the_advice_and_who_could_take_it(
    client: httpx.AsyncClient,
) -> None:
    result = (
        await client.post(
            "/internal/guide/answers",
            params={"lang": "en"},
            json=answers(administration_contacted=False),
        )
    ).json()

    assert result["outcome"] == "prerequisite-missing"
    assert result["institutions"] == []
    assert result["candidates"] == [
        {"institution_id": "ma-mediateur", "name": "Institution of the Mediator of the Kingdom"}
    ]
    assert result["advice"]["code"] == "contact-administration-first"
    assert result["advice"]["text"] in result["explanation"]


async def test_a_joint_case_names_the_lead_first(client: httpx.AsyncClient) -> None:
    result = (
        await client.post(
            "/internal/guide/answers",
            params={"lang": "fr"},
            json=answers(
                category="integrity",
                respondent_type="public-official",
                territory="FR",
                complainant_role="public-official",
            ),
        )
    ).json()

    assert [(i["institution_id"], i["role"]) for i in result["institutions"]] == [
        ("fr-hatvp", "lead"),
        ("fr-ddd", "associated"),
    ]


async def test_a_tie_names_the_triage_institution_and_the_tied_ones(
    client: httpx.AsyncClient,
) -> None:
    result = (
        await client.post(
            "/internal/guide/answers",
            params={"lang": "en"},
            json=answers(respondent_type="regional-administration", territory="BE-BRU"),
        )
    ).json()

    assert (result["outcome"], result["reason"]) == ("triage", "equally-ranked-leads")
    assert result["triage_institution"] == {
        "institution_id": "be-federal",
        "name": "Federal Ombudsman",
    }
    assert [c["institution_id"] for c in result["candidates"]] == ["be-vlaanderen", "be-wallonie"]


async def test_another_country_gets_advice(client: httpx.AsyncClient) -> None:
    result = (await client.post("/internal/guide/answers", json=answers(territory="ZZ"))).json()

    assert (result["outcome"], result["advice"]["code"]) == ("not-competent", "outside-network")


async def test_each_bad_answer_is_named(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/internal/guide/answers",
        json=answers(category="parking", territory="Casablanca", court_case_pending="maybe"),
    )

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "category",
        "territory",
        "court_case_pending",
    }


async def test_the_guide_stores_and_logs_nothing_about_the_person(
    client: httpx.AsyncClient, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    response = await client.post(
        "/internal/guide/answers",
        json=answers(category="children-rights", territory="MA-TNG", received_by="ma-cndh"),
    )

    assert response.status_code == 200
    engine = db.create_engine(database_url)
    try:
        async with engine.connect() as connection:
            counts = [
                (await connection.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar()  # noqa: S608
                for table in ("routing_decisions", "outbox", "triage_rule_proposals")
            ]
    finally:
        await engine.dispose()
    assert counts == [0, 0, 0]
    logged = " ".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "children-rights" not in logged
    assert "MA-TNG" not in logged
