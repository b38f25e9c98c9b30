"""A closed case past its retention: intake purges the complaint, and case tracking forgets too.

The purge runs as an operator runs it, `nowrongdoor retention purge`, with a retention of zero
days for the one institution this test's case goes to, so cases other tests closed are kept.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import httpx
import sqlalchemy as sa

from nowrongdoor import db
from nowrongdoor.testing.apps import eventually

from .conftest import Platform
from .test_case_lifecycle import institution
from .test_complaint_to_case import complaint, file, follow_until

# What the people of the case wrote; none of it may outlive the case's retention.
WORDS = {
    "description": "Canary-description-3JD: the shop kept a copy of my identity card",
    "message": "Canary-message-7FX: the manager, Karim Bennani, refused to delete it",
    "answer": "Canary-answer-5NC: we wrote to Mr Bennani's company",
    "internal": "Canary-internal-8QB: Bennani's second complaint this year",
    "reason": "Canary-reason-2ZW: the company deleted the copy on our order",
}
NOTICE = "This message was removed after the retention period."


def data_protection_complaint() -> dict[str, Any]:
    """An identified complaint that routing gives to the data-protection commission alone."""
    return complaint(
        description=WORDS["description"],
        category="data-protection",
        respondent={"name": "Canary-shop-6TT", "type": "private-company", "territory": "MA-06"},
        complainant={
            "role": "citizen",
            "anonymous": False,
            "name": "Canary-name-4GH",
            "email": "canary-4gh@example.org",
        },
    )


def retention(platform: Platform, *arguments: str) -> str:
    """`nowrongdoor retention purge …` on the platform's intake; only ma-cndp keeps for 0 days."""
    env = platform.env | {
        "NWD_DATA_DIR": str(platform.data_dir),
        "NWD_INTAKE_RETENTION_DAYS": "36500",
        "NWD_INTAKE_RETENTION_DAYS_BY_INSTITUTION": json.dumps({"ma-cndp": 0}),
    }
    done = subprocess.run(
        [sys.executable, "-m", "nowrongdoor.cli", "retention", "purge", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def case_tracking_rows(platform: Platform) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table in case tracking's own database, read straight from it."""
    engine = db.create_engine(platform.database_urls["case-tracking"])
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
            tables: dict[str, list[dict[str, Any]]] = {}
            for name in names:
                result = await connection.execute(sa.text(f'SELECT * FROM "{name}"'))  # noqa: S608
                tables[name] = [dict(row._mapping) for row in result]
    finally:
        await engine.dispose()
    return tables


async def test_a_closed_case_keeps_its_statuses_and_loses_every_message_at_retention(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    accepted = await file(gateway, data_protection_complaint())
    reference, as_complainant = accepted["reference"], {"X-Receipt": accepted["receipt"]}
    await follow_until(gateway, accepted, "routed")
    cndp = await institution(platform, gateway, "ma-cndp")
    messages = f"/v1/cases/{reference}/messages"
    for body, headers in [
        ({"body": WORDS["message"]}, as_complainant),
        ({"body": WORDS["answer"], "audience": "complainant"}, cndp.headers),
        ({"body": WORDS["internal"], "audience": "internal"}, cndp.headers),
    ]:
        posted = await gateway.post(messages, json=body, headers=headers)
        assert posted.status_code == 201, posted.text
    for change in [
        {"status": "acknowledged"},
        {"status": "admissible"},
        {"status": "investigating"},
        {"status": "resolved", "outcome": "upheld", "reason": WORDS["reason"]},
        {"status": "closed"},
    ]:
        moved = await cndp.step(reference, **change)
        assert moved.status_code == 200, moved.text
    before = await follow_until(gateway, accepted, "closed")
    assert [m["body"] for m in before["messages"]] == [WORDS["message"], WORDS["answer"]]

    # Intake hears of the closure from case tracking's event; then the purge finds it due.
    async def due() -> str | None:
        listed = await asyncio.to_thread(retention, platform, "--dry-run")
        return listed if f"due: {reference}" in listed else None

    await eventually(due, timeout=30, interval=0.5)
    purged = await asyncio.to_thread(retention, platform)

    async def forgotten() -> dict[str, Any] | None:
        response = await gateway.get(f"/v1/cases/{reference}", headers=as_complainant)
        assert response.status_code == 200, response.text
        case: dict[str, Any] = response.json()
        return case if case["messages"] and case["messages"][0]["body"] == NOTICE else None

    after = await eventually(forgotten, timeout=30, interval=0.2)
    seen_by_staff, _ = await cndp.read(reference)
    held = await gateway.get(f"/v1/cases/{reference}/personal-data", headers=as_complainant)
    rows = await case_tracking_rows(platform)

    assert f"purged: {reference}" in purged
    assert after["status"] == "closed"
    assert after["outcome"] == "upheld"
    assert after["outcome_reason"] is None
    assert [m["body"] for m in after["messages"]] == [NOTICE, NOTICE]
    assert [(m["at"], m["author"]) for m in after["messages"]] == [
        (m["at"], m["author"]) for m in before["messages"]
    ]
    assert [e["kind"] for e in after["timeline"]] == [e["kind"] for e in before["timeline"]]
    assert [m["body"] for m in seen_by_staff["messages"]] == [NOTICE] * 3
    assert held.status_code == 200, held.text
    assert (held.json()["erased"], held.json()["erasure_reason"]) == (True, "retention")
    mine = [m for m in rows["case_messages"] if m["reference"] == reference]
    assert len(mine) == 3
    assert not any(m["sealed_body"].startswith("v1.") for m in mine)
    assert not any(
        e["sealed_note"] for e in rows["timeline_entries"] if e["reference"] == reference
    )
    assert not any(
        p["sealed_outcome_reason"] for p in rows["case_parts"] if p["reference"] == reference
    )
    everything = repr(rows) + repr(after) + repr(seen_by_staff) + held.text
    for marker in ("Canary", "Bennani"):
        assert marker not in everything
