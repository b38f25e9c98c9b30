"""What decisions said about each institution is kept, the latest winning, even when a batch of
decisions handled in one transaction names the same institution many times."""

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from case_tracking import repository
from case_tracking.models import KnownInstitution
from nowrongdoor import db
from nowrongdoor.testing.statements import statements_sent

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _said(name: str) -> dict[str, Any]:
    return db.new_row(
        KnownInstitution,
        institution_id="ma-mediateur",
        language="fr",
        name=name,
        acknowledge_days=5,
        admissibility_days=None,
        resolve_days=60,
        calendar="MA",
        closing_days=None,
        learned_at=NOW,
    )


async def test_a_batch_writes_an_institution_once_and_still_keeps_a_new_name(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    with statements_sent(app.state.runtime.engine) as sent:
        async with app.state.runtime.transaction() as session:
            for _ in range(3):
                await repository.learn_institution(session, _said("Médiateur du Royaume"))
            await repository.learn_institution(session, _said("Le Médiateur"))
        async with app.state.runtime.transaction() as session:
            await repository.learn_institution(session, _said("Le Médiateur"))
    writes = [s for s, _ in sent if s.lstrip().upper().startswith("INSERT INTO KNOWN_INSTITUTIONS")]

    # Once for the first name, once for the new name, and once more in the next transaction.
    assert len(writes) == 3
    async with app.state.runtime.sessions() as session:
        known = await repository.known_institution(session, "ma-mediateur", "fr")
    assert known is not None and known.name == "Le Médiateur"
