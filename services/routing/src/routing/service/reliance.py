"""Alerts NGOs relay: checking the accreditation an alert relies on, and marking, once routed,
which competent institutions accredit the NGO for it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.events import CompetentInstitution, ComplaintFacts, RelayingNgo
from nowrongdoor.contracts.routing import Reliance
from nowrongdoor.contracts.vocabulary import AccreditationStatus
from nowrongdoor.db import SessionMaker
from routing import repository
from routing.domain import Registry
from routing.domain import reliance as rules
from routing.models import Accreditation
from routing.service.accreditation_records import AccreditationNotFound
from routing.service.directory import RegistryStore


async def rely_on(
    sessions: SessionMaker,
    store: RegistryStore,
    caller: Principal,
    accreditation_id: str,
    reliance: Reliance,
    *,
    now: datetime,
) -> RelayingNgo:
    """The NGO as its alert names it, if the accreditation is the caller's own and carries the
    alert; `NotInForce` or `OutOfScope` says why not. Another's accreditation does not exist."""
    async with sessions() as session:
        record = await repository.accreditation(session, accreditation_id)
        registry = await store.current(session)
    if record is None or caller.kind != "ngo" or record.ngo_id != caller.institution_id:
        raise AccreditationNotFound(accreditation_id)
    rules.check(_held(record), reliance.category, _chain(registry, reliance.territory), now.date())
    return RelayingNgo(
        ngo_id=record.ngo_id,
        ngo_name=record.ngo_name,
        accreditation_id=record.id,
        accredited_by=record.institution_id,
    )


async def marked(
    session: AsyncSession,
    registry: Registry,
    facts: ComplaintFacts,
    competent: Sequence[CompetentInstitution],
    today: date,
) -> list[CompetentInstitution]:
    """`competent`, each marked as accrediting the relaying NGO for this alert or not; as it is
    when no NGO relayed the complaint."""
    relay = facts.relayed_by
    if relay is None:
        return list(competent)
    records = await repository.accreditations(
        session, ngo_id=relay.ngo_id, statuses=(AccreditationStatus.GRANTED,)
    )
    accrediting = rules.accrediting(
        [_held(r) for r in records],
        facts.category,
        _chain(registry, facts.respondent_territory),
        today,
    )
    return [
        c.model_copy(update={"relay_accredited": c.institution_id in accrediting})
        for c in competent
    ]


def _held(record: Accreditation) -> rules.Held:
    return rules.Held(
        institution_id=record.institution_id,
        status=AccreditationStatus(record.status),
        expires_on=record.expires_on,
        categories=record.categories or [],
        territories=record.territories or [],
    )


def _chain(registry: Registry, territory: str) -> tuple[str, ...]:
    return registry.territory_chain(territory) or (territory.strip().upper(),)
