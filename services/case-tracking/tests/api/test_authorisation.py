"""Institution B never sees A's case: by id, by list, by message or by change, 404 alike."""

from collections.abc import Callable

import httpx
import pytest
from case_tracking_support import Caller, complainant, open_case, staff

from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus

As = Callable[[Principal], Caller]
UNKNOWN = "NWD-0000000000AA"


def attempts(reference: str, tag: str) -> list[tuple[str, str, dict[str, object], str | None]]:
    return [
        ("GET", f"/internal/cases/{reference}", {}, None),
        ("POST", f"/internal/cases/{reference}/status", {"status": "acknowledged"}, tag),
        (
            "POST",
            f"/internal/cases/{reference}/transfer",
            {"reason": "mine now", "to_institution_id": "be-federal"},
            tag,
        ),
        ("POST", f"/internal/cases/{reference}/messages", {"body": "hello"}, None),
        ("POST", f"/internal/cases/{reference}/withdrawal", {}, None),
    ]


@pytest.mark.parametrize(
    "index", range(5), ids=["read", "status", "transfer", "message", "withdraw"]
)
async def test_another_institution_is_answered_as_for_a_case_that_does_not_exist(
    client: httpx.AsyncClient, bus: Bus, as_: As, index: int
) -> None:
    reference = await open_case(client, bus, "be-unia")
    tag = (await as_(staff("be-unia")).read(reference)).headers["etag"]  # the current one
    before = (await as_(staff("be-unia")).read(reference)).json()
    intruder = as_(staff("be-federal"))

    method, path, body, if_match = attempts(reference, tag)[index]
    unknown_method, unknown_path, _, _ = attempts(UNKNOWN, tag)[index]

    async def send(to: str) -> httpx.Response:
        if method == "GET":
            return await intruder.get(to)
        return await intruder.post(to, body, if_match=if_match)

    theirs, nobodys = await send(path), await send(unknown_path)

    assert method == unknown_method
    assert theirs.status_code == nobodys.status_code == 404
    assert theirs.json() == nobodys.json()
    after = (await as_(staff("be-unia")).read(reference)).json()
    assert after == before


async def test_another_institution_lists_nothing_of_it_and_reads_no_message(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "be-unia")
    own = await open_case(client, bus, "be-federal")
    await as_(complainant(reference)).post(
        f"/internal/cases/{reference}/messages", {"body": "I was refused a flat"}
    )
    intruder = as_(staff("be-federal"))

    assert await intruder.listed("be-unia") == []
    assert await intruder.listed("be-federal") == [own]
    assert (await intruder.get("/internal/triage", institution_id="be-unia")).json()["items"] == []
    assert (await intruder.read(own)).json()["messages"] == []


async def test_the_complainant_of_one_case_changes_nothing_in_another(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "be-unia")
    other = await open_case(client, bus, "be-unia")
    crossed = as_(complainant(other))

    withdrawal = await crossed.post(f"/internal/cases/{reference}/withdrawal", {})
    message = await crossed.post(f"/internal/cases/{reference}/messages", {"body": "hi"})
    as_institution = await crossed.post(
        f"/internal/cases/{reference}/status", {"status": "acknowledged"}, if_match='"1"'
    )

    assert withdrawal.status_code == message.status_code == as_institution.status_code == 404
    assert (await client.get(f"/internal/cases/{reference}")).json()["status"] == "routed"
