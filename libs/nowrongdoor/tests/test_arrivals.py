"""Requests wait for what a consumer commits, and only as long as they are told."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from nowrongdoor import db
from nowrongdoor.arrivals import Arrivals


async def test_a_waiting_request_sees_what_arrives_as_soon_as_it_is_announced() -> None:
    arrivals = Arrivals()
    facts: dict[str, str] = {}

    async def look() -> str | None:
        return facts.get("NWD-1")

    async def consumer() -> None:
        await asyncio.sleep(0.05)
        facts["NWD-1"] = "routed"
        arrivals.announce("NWD-1")

    started = asyncio.get_running_loop().time()
    found, _ = await asyncio.gather(arrivals.until("NWD-1", look, within=10), consumer())

    assert found == "routed"
    assert asyncio.get_running_loop().time() - started < 5
    assert arrivals.waiting == 0


async def test_what_is_already_there_is_answered_without_waiting() -> None:
    arrivals = Arrivals()

    async def look() -> str:
        return "there"

    assert await asyncio.wait_for(arrivals.until("k", look, within=60), timeout=1) == "there"


async def test_nothing_arriving_ends_the_wait_at_its_bound() -> None:
    arrivals = Arrivals()

    async def look() -> str | None:
        return None

    started = asyncio.get_running_loop().time()
    assert await arrivals.until("k", look, within=0.2) is None
    assert asyncio.get_running_loop().time() - started >= 0.2
    assert arrivals.waiting == 0


@pytest.mark.parametrize("commits", [True, False], ids=["commit", "rollback"])
async def test_an_announcement_after_commit_waits_for_the_commit(
    tmp_path: Path, commits: bool
) -> None:
    arrivals = Arrivals()
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'arrivals.db'}")
    arrived = arrivals._enter("k")  # a request waits for "k"
    try:
        async with db.session_maker(engine)() as session:
            await session.execute(text("SELECT 1"))
            arrivals.announce_after_commit(session, "k")
            assert not arrived.is_set()  # not before the commit
            if commits:
                await session.commit()
            else:
                await session.rollback()
        assert arrived.is_set() is commits
    finally:
        arrivals._leave("k")
        await engine.dispose()
