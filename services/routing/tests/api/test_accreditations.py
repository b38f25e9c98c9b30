"""Accrediting NGOs through the internal API: criteria, applications, each step, the public list."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from accreditation_support import (
    ANSWERS,
    CRITERIA,
    GRANT,
    HATVP_CRITERIA,
    Clock,
    applied,
    apply,
    granted,
    step,
)
from fastapi import FastAPI
from sqlmodel import col, select

from nowrongdoor.outbox import OutboxMessage
from nowrongdoor.testing.apps import internal_headers, running
from routing import service
from routing.app import create_app
from routing.domain import load_seed_registry
from routing.settings import RoutingSettings

Headers = Callable[..., dict[str, str]]

LISTED = "/internal/institutions/fr-hatvp/accredited-ngos"


@pytest.fixture
async def published(client: httpx.AsyncClient, hatvp: dict[str, str], clock: Clock) -> None:
    response = await client.put(CRITERIA, json=HATVP_CRITERIA, headers=hatvp)
    assert response.status_code == 200, response.text


# --- Criteria -----------------------------------------------------------------------------------


async def test_anyone_reads_the_criteria_an_institution_publishes(
    client: httpx.AsyncClient, hatvp: dict[str, str], clock: Clock
) -> None:
    before = await client.get(CRITERIA)
    await client.put(CRITERIA, json=HATVP_CRITERIA, headers=hatvp)
    after = await client.get(CRITERIA)

    assert before.status_code == 200
    assert before.json() == {"institution_id": "fr-hatvp", "criteria": [], "updated_at": None}
    assert after.json()["criteria"] == HATVP_CRITERIA["criteria"]
    assert after.json()["updated_at"] == "2026-12-03T09:00:00Z"


async def test_criteria_need_a_text_in_each_of_the_institutions_languages(
    client: httpx.AsyncClient, hatvp: dict[str, str]
) -> None:
    english_only = {"criteria": [{"id": "independence", "text": {"en": "Independent."}}]}

    response = await client.put(CRITERIA, json=english_only, headers=hatvp)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "criteria[0].text", "message": "no text in fr, a language of the institution"}
    ]
    assert (await client.get(CRITERIA)).json()["criteria"] == []


async def test_only_the_institution_itself_publishes_its_criteria(
    client: httpx.AsyncClient, headers_for: Headers, sherpa: dict[str, str]
) -> None:
    other = headers_for("institution", "ma-inpplc", "accreditations:write")
    unscoped = headers_for("institution", "fr-hatvp", "cases:read")

    by_other = await client.put(CRITERIA, json=HATVP_CRITERIA, headers=other)
    by_ngo = await client.put(CRITERIA, json=HATVP_CRITERIA, headers=sherpa)
    by_unscoped = await client.put(CRITERIA, json=HATVP_CRITERIA, headers=unscoped)

    assert by_other.status_code == by_ngo.status_code == 404
    assert by_unscoped.status_code == 403
    assert (await client.get(CRITERIA)).json()["criteria"] == []


# --- Applying -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("published")
async def test_an_ngo_applies_answering_each_criterion_and_the_institution_sees_it(
    client: httpx.AsyncClient, sherpa: dict[str, str], hatvp: dict[str, str]
) -> None:
    response = await apply(client, sherpa)

    assert response.status_code == 201, response.text
    application = response.json()
    assert application["status"] == "applied"
    assert application["ngo_id"] == "fr-sherpa"
    assert application["allowed"] == ["grant", "refuse"]
    assert application["history"] == [
        {
            "action": "apply",
            "status": "applied",
            "by_client_id": "nwdc_ngo_fr-sherpa",
            "by_kind": "ngo",
            "at": "2026-12-03T09:00:00Z",
            "reason": None,
            "reasons": [],
            "scope": None,
            "expires_on": None,
        }
    ]
    seen_by_hatvp = await client.get("/internal/accreditations", headers=hatvp)
    assert [a["id"] for a in seen_by_hatvp.json()] == [application["id"]]
    assert seen_by_hatvp.json()[0]["answers"] == [a | {"attachments": []} for a in ANSWERS]


@pytest.mark.usefixtures("published")
async def test_an_application_must_answer_every_criterion_and_nothing_else(
    client: httpx.AsyncClient, sherpa: dict[str, str]
) -> None:
    response = await apply(
        client,
        sherpa,
        answers=[ANSWERS[0], {"criterion_id": "unknown-one", "answer": "Yes."}],
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "answers[1]", "message": "no criterion 'unknown-one'"},
        {"field": "answers", "message": "criterion 'anti-corruption-purpose' is not answered"},
    ]


@pytest.mark.usefixtures("clock")
async def test_an_institution_without_criteria_takes_no_application(
    client: httpx.AsyncClient, sherpa: dict[str, str]
) -> None:
    response = await apply(client, sherpa)

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/no-accreditation-criteria"


@pytest.mark.usefixtures("published")
async def test_one_pending_application_per_ngo_and_institution(
    client: httpx.AsyncClient, sherpa: dict[str, str], hatvp: dict[str, str]
) -> None:
    first = await applied(client, sherpa)

    again = await apply(client, sherpa)
    await step(client, hatvp, first, "refuse", {"reasons": ["Registered only in 2025."]})
    after_refusal = await apply(client, sherpa)

    assert again.status_code == 409
    assert again.json()["type"] == "/problems/application-pending"
    assert first in again.json()["detail"]
    assert after_refusal.status_code == 201


@pytest.mark.usefixtures("published")
async def test_only_an_ngo_applies(
    client: httpx.AsyncClient, hatvp: dict[str, str], headers_for: Headers
) -> None:
    by_institution = await apply(client, hatvp)
    unscoped = await apply(client, headers_for("ngo", "fr-sherpa", "accreditations:read"))

    assert by_institution.status_code == 403
    assert by_institution.json()["type"] == "/problems/wrong-client-kind"
    assert unscoped.status_code == 403
    assert unscoped.json()["type"] == "/problems/insufficient-scope"


# --- The lifecycle ------------------------------------------------------------------------------


@pytest.mark.usefixtures("published")
async def test_the_whole_lifecycle_is_one_trail_both_sides_read(
    app: FastAPI,
    client: httpx.AsyncClient,
    sherpa: dict[str, str],
    hatvp: dict[str, str],
    clock: Clock,
) -> None:
    accreditation_id = await applied(client, sherpa)

    clock.on(date(2026, 12, 10))
    grant = await step(client, hatvp, accreditation_id, "grant", GRANT)
    suspend = await step(
        client, hatvp, accreditation_id, "suspend", {"reason": "Annual report overdue."}
    )
    reinstate = await step(client, hatvp, accreditation_id, "reinstate", {})
    renew = await step(client, hatvp, accreditation_id, "renew", {"expires_on": "2030-12-31"})
    revoke = await step(
        client, hatvp, accreditation_id, "revoke", {"reason": "No longer independent."}
    )

    assert [r.json()["status"] for r in (grant, suspend, reinstate, renew, revoke)] == [
        "granted",
        "suspended",
        "granted",
        "granted",
        "revoked",
    ]
    assert grant.json()["since"] == "2026-12-10"
    assert grant.json()["scope"] == GRANT["scope"]
    assert grant.json()["allowed"] == ["suspend", "renew", "revoke"]
    assert suspend.json()["allowed"] == ["reinstate", "revoke"]
    assert renew.json()["expires_on"] == "2030-12-31"
    assert revoke.json()["allowed"] == []

    as_ngo = await client.get(f"/internal/accreditations/{accreditation_id}", headers=sherpa)
    as_institution = await client.get(f"/internal/accreditations/{accreditation_id}", headers=hatvp)
    assert as_ngo.json() == as_institution.json()
    trail = [
        (s["action"], s["status"], s["by_kind"], s["reason"]) for s in as_ngo.json()["history"]
    ]
    assert trail == [
        ("apply", "applied", "ngo", None),
        ("grant", "granted", "institution", None),
        ("suspend", "suspended", "institution", "Annual report overdue."),
        ("reinstate", "granted", "institution", None),
        ("renew", "granted", "institution", None),
        ("revoke", "revoked", "institution", "No longer independent."),
    ]
    assert as_ngo.json()["history"][1]["expires_on"] == "2027-12-31"
    assert as_ngo.json()["history"][1]["at"] == "2026-12-10T12:00:00Z"

    async with app.state.runtime.sessions() as session:
        written = (
            await session.scalars(
                select(OutboxMessage.type)
                .where(col(OutboxMessage.event_subject) == accreditation_id)
                .order_by(col(OutboxMessage.created_at))
            )
        ).all()
    assert sorted(written) == sorted(
        f"org.nowrongdoor.accreditation.{verb}.v1"
        for verb in ("applied", "granted", "suspended", "reinstated", "renewed", "revoked")
    )


@pytest.mark.usefixtures("published")
async def test_a_refusal_names_its_reasons_and_ends_the_application(
    client: httpx.AsyncClient, sherpa: dict[str, str], hatvp: dict[str, str]
) -> None:
    accreditation_id = await applied(client, sherpa)

    refused = await step(
        client,
        hatvp,
        accreditation_id,
        "refuse",
        {"reasons": ["Registered only in 2025.", "No published accounts."]},
    )
    grant_after = await step(client, hatvp, accreditation_id, "grant", GRANT)

    assert refused.json()["status"] == "refused"
    assert refused.json()["history"][-1]["reasons"] == [
        "Registered only in 2025.",
        "No published accounts.",
    ]
    assert grant_after.status_code == 409
    assert grant_after.json()["detail"] == (
        "An accreditation that is refused cannot be granted. Allowed next steps: none."
    )


ILLEGAL: list[tuple[str, list[str], str, dict[str, Any], list[str]]] = [
    # (how it stands, steps taken to get there, the step tried, its body, the steps allowed)
    ("applied", [], "suspend", {"reason": "Too early."}, ["grant", "refuse"]),
    ("applied", [], "reinstate", {}, ["grant", "refuse"]),
    ("applied", [], "renew", {"expires_on": "2030-01-01"}, ["grant", "refuse"]),
    ("applied", [], "revoke", {"reason": "Too early."}, ["grant", "refuse"]),
    ("granted", ["grant"], "grant", GRANT, ["suspend", "renew", "revoke"]),
    ("granted", ["grant"], "refuse", {"reasons": ["Late."]}, ["suspend", "renew", "revoke"]),
    ("granted", ["grant"], "reinstate", {}, ["suspend", "renew", "revoke"]),
    (
        "suspended",
        ["grant", "suspend"],
        "renew",
        {"expires_on": "2030-01-01"},
        [
            "reinstate",
            "revoke",
        ],
    ),
    ("suspended", ["grant", "suspend"], "suspend", {"reason": "Again."}, ["reinstate", "revoke"]),
    ("revoked", ["grant", "revoke"], "reinstate", {}, []),
    ("revoked", ["grant", "revoke"], "renew", {"expires_on": "2030-01-01"}, []),
]
BODIES: dict[str, dict[str, Any]] = {
    "grant": GRANT,
    "suspend": {"reason": "Annual report overdue."},
    "revoke": {"reason": "No longer independent."},
}


@pytest.mark.usefixtures("published")
@pytest.mark.parametrize(("stands", "before", "action", "body", "allowed"), ILLEGAL)
async def test_a_step_not_allowed_is_409_naming_the_allowed_ones(
    client: httpx.AsyncClient,
    sherpa: dict[str, str],
    hatvp: dict[str, str],
    stands: str,
    before: list[str],
    action: str,
    body: dict[str, Any],
    allowed: list[str],
) -> None:
    accreditation_id = await applied(client, sherpa)
    for taken in before:
        assert (await step(client, hatvp, accreditation_id, taken, BODIES[taken])).is_success

    response = await step(client, hatvp, accreditation_id, action, body)

    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "/problems/illegal-transition"
    assert problem["detail"].startswith(f"An accreditation that is {stands} cannot be ")
    assert [e["message"] for e in problem["errors"]] == allowed
    reread = await client.get(f"/internal/accreditations/{accreditation_id}", headers=hatvp)
    assert reread.json()["status"] == stands


@pytest.mark.usefixtures("published")
async def test_a_grant_needs_a_known_territory_and_an_expiry_not_passed(
    client: httpx.AsyncClient, sherpa: dict[str, str], hatvp: dict[str, str]
) -> None:
    accreditation_id = await applied(client, sherpa)

    elsewhere = await step(
        client,
        hatvp,
        accreditation_id,
        "grant",
        {
            "scope": {"categories": ["integrity"], "territories": ["FR-XYZ"]},
            "expires_on": "2028-01-01",
        },
    )
    past = await step(
        client, hatvp, accreditation_id, "grant", GRANT | {"expires_on": "2026-01-01"}
    )
    no_category = await step(
        client,
        hatvp,
        accreditation_id,
        "grant",
        {"scope": {"categories": [], "territories": ["FR"]}, "expires_on": "2028-01-01"},
    )

    assert elsewhere.status_code == past.status_code == no_category.status_code == 422
    assert elsewhere.json()["errors"] == [
        {"field": "scope.territories", "message": "unknown territory 'FR-XYZ'"}
    ]
    assert past.json()["errors"] == [
        {"field": "expires_on", "message": "2026-01-01 has already passed"}
    ]
    reread = await client.get(f"/internal/accreditations/{accreditation_id}", headers=hatvp)
    assert reread.json()["status"] == "applied"


@pytest.mark.usefixtures("published")
async def test_an_accreditation_expires_after_its_last_day_and_renewing_brings_it_back(
    client: httpx.AsyncClient, sherpa: dict[str, str], hatvp: dict[str, str], clock: Clock
) -> None:
    accreditation_id = await granted(client, hatvp, sherpa)
    path = f"/internal/accreditations/{accreditation_id}"

    clock.on(date(2027, 12, 31))
    last_day = (await client.get(path, headers=sherpa)).json()
    clock.on(date(2028, 1, 1))
    day_after = (await client.get(path, headers=sherpa)).json()
    listed_expired = (await client.get(LISTED)).json()
    suspend_expired = await step(client, hatvp, accreditation_id, "suspend", {"reason": "Late."})
    too_short = await step(client, hatvp, accreditation_id, "renew", {"expires_on": "2027-12-31"})
    renewed = await step(client, hatvp, accreditation_id, "renew", {"expires_on": "2030-12-31"})

    assert last_day["status"] == "granted"
    assert day_after["status"] == "expired"
    assert day_after["allowed"] == ["renew"]
    assert listed_expired == []
    assert suspend_expired.status_code == 409
    assert [e["message"] for e in suspend_expired.json()["errors"]] == ["renew"]
    assert too_short.status_code == 422
    assert renewed.json()["status"] == "granted"
    assert [ngo["ngo_id"] for ngo in (await client.get(LISTED)).json()] == ["fr-sherpa"]


# --- Who sees what ------------------------------------------------------------------------------


@pytest.mark.usefixtures("published")
async def test_nobody_else_sees_an_ngos_application_nor_decides_on_it(
    client: httpx.AsyncClient,
    sherpa: dict[str, str],
    hatvp: dict[str, str],
    headers_for: Headers,
) -> None:
    accreditation_id = await applied(client, sherpa)
    path = f"/internal/accreditations/{accreditation_id}"
    other_ngo = headers_for("ngo", "ma-transparency-maroc", "accreditations:read")
    other_institution = headers_for(
        "institution", "ma-inpplc", "accreditations:read", "accreditations:write"
    )

    assert (await client.get(path, headers=other_ngo)).status_code == 404
    assert (await client.get(path, headers=other_institution)).status_code == 404
    assert (await client.get(path)).status_code == 404
    assert (await client.get("/internal/accreditations", headers=other_ngo)).json() == []
    assert (await client.get("/internal/accreditations", headers=other_institution)).json() == []
    assert (await client.get("/internal/accreditations")).status_code == 403
    assert (
        await step(client, other_institution, accreditation_id, "grant", GRANT)
    ).status_code == 404
    own_grant = await step(client, sherpa, accreditation_id, "grant", GRANT)
    assert own_grant.status_code == 403
    assert own_grant.json()["type"] == "/problems/wrong-client-kind"
    assert (await client.get(path, headers=hatvp)).json()["status"] == "applied"


# --- The public list ----------------------------------------------------------------------------


@pytest.mark.usefixtures("published")
async def test_the_public_list_shows_only_granted_accreditations_not_expired(
    client: httpx.AsyncClient, headers_for: Headers, hatvp: dict[str, str], clock: Clock
) -> None:
    def ngo(ngo_id: str) -> dict[str, str]:
        return headers_for("ngo", ngo_id, "accreditations:read", "accreditations:write")

    async def application(ngo_id: str, name: str) -> str:
        response = await apply(client, ngo(ngo_id), ngo_name=name)
        assert response.status_code == 201, response.text
        accreditation_id: str = response.json()["id"]
        return accreditation_id

    listed = await application("fr-sherpa", "Sherpa")
    pending = await application("fr-pending", "Pending association")
    suspended = await application("fr-suspended", "Suspended association")
    revoked = await application("fr-revoked", "Revoked association")
    refused = await application("fr-refused", "Refused association")
    short = await application("fr-short", "Short-lived association")
    for accreditation_id in (listed, suspended, revoked):
        await step(client, hatvp, accreditation_id, "grant", GRANT)
    await step(client, hatvp, short, "grant", GRANT | {"expires_on": "2026-12-31"})
    await step(client, hatvp, suspended, "suspend", {"reason": "Annual report overdue."})
    await step(client, hatvp, revoked, "revoke", {"reason": "No longer independent."})
    await step(client, hatvp, refused, "refuse", {"reasons": ["Too recent."]})

    clock.on(date(2027, 1, 1))
    response = await client.get(LISTED)

    assert response.status_code == 200
    assert response.json() == [
        {
            "ngo_id": "fr-sherpa",
            "name": "Sherpa",
            "scope": GRANT["scope"],
            "since": "2026-12-03",
            "until": "2027-12-31",
        }
    ]
    assert pending
    assert (await client.get("/internal/institutions/xx-nobody/accredited-ngos")).status_code == 404


async def test_the_demo_accreditations_load_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    runtime = app.state.runtime
    first = await service.load_demo_accreditations(
        runtime.sessions, load_seed_registry(), now=datetime.now(UTC)
    )
    again = await service.load_demo_accreditations(
        runtime.sessions, load_seed_registry(), now=datetime.now(UTC) + timedelta(days=1)
    )

    assert (first, again) == (5, 0)
    hatvp = (await client.get(LISTED)).json()
    assert [ngo["name"] for ngo in hatvp] == [
        "Association pour une démocratie directe",
        "Sherpa",
        "Transparency France",
    ]
    inpplc = (await client.get("/internal/institutions/ma-inpplc/accredited-ngos")).json()
    unia = (await client.get("/internal/institutions/be-unia/accredited-ngos")).json()
    assert [ngo["ngo_id"] for ngo in inpplc] == ["ma-transparency-maroc"]
    assert [ngo["ngo_id"] for ngo in unia] == ["be-ligue-des-droits-humains"]
    criteria = (await client.get("/internal/institutions/ma-inpplc/accreditation-criteria")).json()
    assert {"ar", "fr", "en"} <= set(criteria["criteria"][0]["text"])


async def test_routing_started_in_development_lists_the_demos_accredited_ngos(
    service_environment: dict[str, Any],
) -> None:
    settings = RoutingSettings(**(service_environment | {"environment": "development"}))
    app = create_app(settings)
    async with running(app, internal_headers(app.state.data_dir)) as client:
        response = await client.get("/internal/institutions/ma-inpplc/accredited-ngos")

    assert [ngo["name"] for ngo in response.json()] == ["Transparency Maroc"]
