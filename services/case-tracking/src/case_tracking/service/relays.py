"""The NGO that relayed an alert: where its accreditation stands, what it may do in the case,
and an institution withdrawing it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking import repository
from case_tracking.domain.relays import Relaying, Standing, relaying
from case_tracking.models import CaseGroup, RelayStanding
from case_tracking.service import Database
from case_tracking.service.errors import CaseNotFound, InvalidChange
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.accreditation_events import (
    AccreditationGranted,
    AccreditationRenewed,
    AccreditationStepTaken,
)
from nowrongdoor.contracts.events import RelayingNgo
from nowrongdoor.contracts.vocabulary import CaseStatus

FINISHED = frozenset({CaseStatus.CLOSED, CaseStatus.WITHDRAWN})
WITHDRAWN_RELAY = "withdraw-relay"


async def record_standing(session: AsyncSession, step: AccreditationStepTaken) -> None:
    """Keep where the accreditation stands; a step older than the one kept changes nothing."""
    kept = await session.get(RelayStanding, step.accreditation_id, with_for_update=True)
    if kept is not None and kept.at > step.at:
        return
    expires_on = (
        step.expires_on
        if isinstance(step, AccreditationGranted | AccreditationRenewed)
        else (kept.expires_on if kept else None)
    )
    if kept is None:
        session.add(
            RelayStanding(
                accreditation_id=step.accreditation_id,
                status=step.status,
                expires_on=expires_on,
                at=step.at,
            )
        )
    else:
        kept.status, kept.expires_on, kept.at = step.status, expires_on, step.at


async def relay_rights(
    session: AsyncSession, caller: Principal, group: CaseGroup, scope: str, now: datetime
) -> Relaying | None:
    """What `caller` may do as the NGO that relayed the alert; None if it is not that NGO, lacks
    `scope`, or may no longer see the case."""
    if (
        caller.kind != "ngo"
        or caller.institution_id is None
        or group.relay_ngo_id != caller.institution_id
        or scope not in caller.scopes
        or group.relayed_by is None
    ):
        return None
    relay = RelayingNgo.model_validate(group.relayed_by)
    kept = (
        await session.get(RelayStanding, relay.accreditation_id) if relay.accreditation_id else None
    )
    return relaying(
        verified=relay.verified,
        standing=Standing(kept.status, kept.expires_on) if kept else None,
        withdrawn=group.relay_withdrawn_at is not None,
        finished=group.status in FINISHED,
        today=now.date(),
    )


async def withdraw(db: Database, caller: Principal, reference: str, now: datetime) -> None:
    """An institution taking part, with `cases:write`, withdraws the relaying NGO from the case:
    from then on the NGO sees nothing of it. Audited; withdrawing again changes nothing."""
    async with db.transaction() as session:
        group = await repository.case_group(session, reference, for_update=True)
        part = (
            await repository.part_of(session, reference, caller.institution_id)
            if group is not None
            and caller.kind == "institution"
            and caller.institution_id is not None
            and "cases:write" in caller.scopes
            else None
        )
        if group is None or part is None:
            raise CaseNotFound(reference)
        if group.relay_ngo_id is None:
            raise InvalidChange("reference", "No NGO relayed this case.")
        if group.relay_withdrawn_at is None:
            group.relay_withdrawn_at = now
            group.version += 1
            group.updated_at = now
        repository.add_audit_entry(
            session,
            at=now,
            client_id=caller.client_id,
            kind=caller.kind,
            institution_id=caller.institution_id,
            action=WITHDRAWN_RELAY,
            reference=reference,
            detail=group.relay_ngo_id,
        )
