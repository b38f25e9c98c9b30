"""An institution works its part through the API: each step, entity tags, refusals."""

import asyncio
from collections.abc import Callable

import httpx
import pytest
from case_tracking_support import Caller, complainant, institution, open_case, staff

from case_tracking.domain import lifecycle
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.vocabulary import CaseStatus

S = CaseStatus
As = Callable[[Principal], Caller]


async def test_every_read_carries_the_version_and_every_change_moves_it(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur = as_(staff("ma-mediateur"))

    read = await mediateur.read(reference)
    changed = await mediateur.post(
        f"/internal/cases/{reference}/status",
        {"status": "acknowledged", "handler": "Dossier team 3"},
        if_match=read.headers["etag"],
    )

    assert read.headers["etag"].startswith('"') and read.headers["etag"].endswith('"')
    assert changed.status_code == 200, changed.text
    assert int(changed.headers["etag"].strip('"')) == int(read.headers["etag"].strip('"')) + 1
    assert changed.headers["etag"] == (await mediateur.read(reference)).headers["etag"]
    view = changed.json()
    assert view["status"] == "acknowledged"
    assert view["parts"] == [
        {
            "institution_id": "ma-mediateur",
            "role": "lead",
            "status": "acknowledged",
            "handler": "Dossier team 3",
            "outcome": None,
            "outcome_reason": None,
            "allowed": ["admissible", "inadmissible", "awaiting-complainant", "transferred"],
            "relay_accredited": None,
        }
    ]


async def test_a_change_needs_the_current_tag(client: httpx.AsyncClient, bus: Bus, as_: As) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur = as_(staff("ma-mediateur"))
    path = f"/internal/cases/{reference}/status"
    first_tag = (await mediateur.read(reference)).headers["etag"]
    assert (await mediateur.post(path, {"status": "acknowledged"}, if_match=first_tag)).is_success

    without = await mediateur.post(path, {"status": "admissible"})
    stale = await mediateur.post(path, {"status": "admissible"}, if_match=first_tag)
    foreign = await mediateur.post(path, {"status": "admissible"}, if_match='"not-ours"')

    assert without.status_code == 428
    assert without.json()["type"] == "/problems/precondition-required"
    assert stale.status_code == foreign.status_code == 412
    assert stale.json()["type"] == "/problems/precondition-failed"
    assert (await mediateur.read(reference)).json()["status"] == "acknowledged"


async def test_two_changes_made_on_the_same_tag_exactly_one_wins(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    references = [await open_case(client, bus, "ma-inpplc", "ma-cndh") for _ in range(4)]
    inpplc, cndh = as_(staff("ma-inpplc")), as_(staff("ma-cndh"))

    for reference in references:
        tag = (await inpplc.read(reference)).headers["etag"]
        path = f"/internal/cases/{reference}/status"
        answers = await asyncio.gather(
            inpplc.post(path, {"status": "acknowledged"}, if_match=tag),
            cndh.post(path, {"status": "acknowledged"}, if_match=tag),
        )

        assert sorted(answer.status_code for answer in answers) == [200, 412]
        parts = (await inpplc.read(reference)).json()["parts"]
        assert sorted(part["status"] for part in parts) == ["acknowledged", "routed"]


async def test_concurrent_changes_without_a_tag_change_nothing(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-inpplc", "ma-cndh")
    inpplc, cndh = as_(staff("ma-inpplc")), as_(staff("ma-cndh"))
    path = f"/internal/cases/{reference}/status"
    before = await inpplc.read(reference)

    answers = await asyncio.gather(
        inpplc.post(path, {"status": "acknowledged"}), cndh.post(path, {"status": "acknowledged"})
    )

    assert [answer.status_code for answer in answers] == [428, 428]
    after = await inpplc.read(reference)
    assert after.headers["etag"] == before.headers["etag"]
    assert after.json() == before.json()


PATHS = {
    "resolved": [
        S.ACKNOWLEDGED,
        S.AWAITING_COMPLAINANT,
        S.ACKNOWLEDGED,
        S.ADMISSIBLE,
        S.AWAITING_COMPLAINANT,
        S.ADMISSIBLE,
        S.INVESTIGATING,
        S.AWAITING_COMPLAINANT,
        S.INVESTIGATING,
        S.RESOLVED,
        S.CLOSED,
    ],
    "inadmissible": [S.ACKNOWLEDGED, S.INADMISSIBLE, S.CLOSED],
}


@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
async def test_at_every_step_the_api_refuses_what_the_table_forbids(
    client: httpx.AsyncClient, bus: Bus, as_: As, path: list[CaseStatus]
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur = as_(staff("ma-mediateur"))
    state = lifecycle.PartState()

    for following in [*path, None]:
        read = await mediateur.read(reference)
        allowed = lifecycle.allowed_steps(state)
        assert read.json()["parts"][0]["allowed"] == allowed
        for refused in set(CaseStatus) - set(allowed):
            answer = await mediateur.post(
                f"/internal/cases/{reference}/status",
                {"status": refused, "reason": "a reason", "outcome": "upheld"},
                if_match=read.headers["etag"],
            )
            assert answer.status_code == 409, (state, refused)
            problem = answer.json()
            assert problem["type"] == "/problems/illegal-transition"
            assert [error["message"] for error in problem["errors"]] == allowed
            assert {error["field"] for error in problem["errors"]} <= {"status"}
        if following is None:
            break
        change = {"status": following, "reason": "Because the file says so"}
        if following is S.RESOLVED:
            change["outcome"] = "upheld"
        taken = await mediateur.post(
            f"/internal/cases/{reference}/status", change, if_match=read.headers["etag"]
        )
        assert taken.status_code == 200, taken.text
        state = lifecycle.step(state, following)
        assert taken.json()["parts"][0]["status"] == state.status
    assert (await mediateur.read(reference)).json()["status"] == "closed"


async def test_a_resolution_needs_an_outcome_and_a_reason_the_complainant_reads(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur = as_(staff("ma-mediateur"))
    for status in ("acknowledged", "admissible", "investigating"):
        assert (await mediateur.step(reference, status)).is_success

    bare = await mediateur.step(reference, "resolved")
    without_outcome = await mediateur.step(reference, "resolved", reason="The town hall paid")
    done = await mediateur.step(
        reference, "resolved", outcome="upheld", reason="The town hall paid"
    )

    assert bare.status_code == without_outcome.status_code == 422
    assert [e["field"] for e in without_outcome.json()["errors"]] == ["outcome"]
    assert done.status_code == 200
    seen = (await as_(complainant(reference)).read(reference)).json()
    assert (seen["status"], seen["outcome"], seen["outcome_reason"]) == (
        "resolved",
        "upheld",
        "The town hall paid",
    )
    assert seen["parts"] is None
    # In the complaint's language, the outcome too; the reason as the institution wrote it.
    assert seen["timeline"][-1]["summary"] == (
        "Résolue par Institution ma-mediateur (fondée) : The town hall paid"
    )


async def test_inadmissible_needs_a_reason_and_an_outcome_belongs_to_a_resolution(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur = as_(staff("ma-mediateur"))
    await mediateur.step(reference, "acknowledged")

    silent = await mediateur.step(reference, "inadmissible", reason="  ")
    with_outcome = await mediateur.step(reference, "admissible", outcome="upheld")
    by_status = await mediateur.step(reference, "transferred", reason="not ours")

    assert [e["field"] for e in silent.json()["errors"]] == ["reason"]
    assert [e["field"] for e in with_outcome.json()["errors"]] == ["outcome"]
    assert by_status.status_code == 422
    assert [e["field"] for e in by_status.json()["errors"]] == ["status"]
    assert (await mediateur.read(reference)).json()["parts"][0]["status"] == "acknowledged"


async def test_reading_is_not_enough_to_change(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    reader = as_(institution("ma-mediateur"))

    answer = await reader.step(reference, "acknowledged")

    assert answer.status_code == 404
