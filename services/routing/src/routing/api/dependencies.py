"""What every router of routing's API shares: path and query shapes, the stores, common problems."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from nowrongdoor.contracts.vocabulary import INSTITUTION_ID_PATTERN, Language
from nowrongdoor.ids import REFERENCE_PATTERN
from nowrongdoor.problems import ProblemError
from routing.service import RegistryStore
from routing.service.evidence import Evidence

InstitutionId = Annotated[str, Path(pattern=INSTITUTION_ID_PATTERN)]
Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN)]
LanguageQuery = Annotated[Language, Query(alias="lang")]
SearchQuery = Annotated[str | None, Query(alias="q", min_length=1, max_length=200)]


async def get_store(request: Request) -> RegistryStore:
    store: RegistryStore = request.app.state.registry_store
    return store


StoreDep = Annotated[RegistryStore, Depends(get_store)]


async def now(request: Request) -> datetime:
    """What time it is, by the app's clock: tests set `app.state.clock` to move it."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


NowDep = Annotated[datetime, Depends(now)]


async def get_evidence(request: Request) -> Evidence:
    """Where applications' files go and what seals them, as `create_app` made them."""
    evidence: Evidence = request.app.state.evidence
    return evidence


EvidenceDep = Annotated[Evidence, Depends(get_evidence)]


def database_not_answering() -> ProblemError:
    return ProblemError(
        503,
        "Routing's database is not answering; nothing was changed. Try again shortly.",
        headers={"Retry-After": "5"},
    )
