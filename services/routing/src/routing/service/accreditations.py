"""Accrediting NGOs: criteria, applications, the institution's decisions, the public list.

Each step is one transaction that moves the accreditation on, appends it to the trail both sides
read, and writes its event to the outbox; an application's evidence is kept with it or not at all
(`evidence`). Who may do what is decided here: an institution for its own institution, an NGO for
itself; to anyone else an accreditation does not exist. Whether a granted accreditation has
expired is read against `now`, which every caller passes in.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from pydantic import BaseModel

from nowrongdoor.attachments import storing
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.accreditations import (
    AccreditationAction,
    AccreditationApplication,
    AccreditationCriteria,
    AccreditationScope,
    AccreditationView,
    AccreditedNgo,
    CriteriaChange,
    Criterion,
    CriterionAnswer,
    Grant,
    Renewal,
)
from nowrongdoor.contracts.vocabulary import AccreditationStatus
from nowrongdoor.db import SessionMaker, unit_of_work
from routing import repository
from routing.domain import Registry, UnknownInstitution
from routing.domain import accreditation as lifecycle
from routing.models import Accreditation, AccreditationCriteriaRecord
from routing.service import evidence
from routing.service.accreditation_records import (
    Decision,
    acts_for,
    answers_kept,
    criteria_of,
    criteria_view,
    institution_in,
    record_step,
    scope_of,
    status_on,
    view,
    visible,
)
from routing.service.directory import NotPermitted, RegistryStore
from routing.service.evidence import Evidence
from routing.service.transactions import database_answering, retried_on_lost_race

SEED_CLIENT = "seed"


class PendingApplication(Exception):
    """The NGO already has an application to this institution awaiting its decision."""

    def __init__(self, accreditation_id: str) -> None:
        super().__init__(accreditation_id)
        self.accreditation_id = accreditation_id


class NoCriteria(Exception):
    """The institution publishes no criteria, so it takes no applications yet."""


# --- Criteria -----------------------------------------------------------------------------------


async def criteria(
    sessions: SessionMaker, store: RegistryStore, institution_id: str
) -> AccreditationCriteria:
    """The criteria an institution publishes; anyone may read them. Raises `UnknownInstitution`."""
    async with sessions() as session:
        institution_in(await store.current(session), institution_id)
        record = await repository.criteria(session, institution_id)
    return criteria_view(institution_id, record)


async def publish_criteria(
    sessions: SessionMaker,
    store: RegistryStore,
    caller: Principal,
    institution_id: str,
    change: CriteriaChange,
    *,
    now: datetime,
) -> AccreditationCriteria:
    """Replace the institution's criteria; applications already made keep their answers.

    An institution's client with `accreditations:write` publishes its own; an administrator any;
    to everyone else the institution does not exist. Raises `lifecycle.Rejected`.
    """
    if not (caller.kind == "admin" or acts_for(caller, institution_id)):
        raise UnknownInstitution(institution_id)
    caller.require("accreditations:write")
    with database_answering():
        async with unit_of_work(sessions) as session:
            institution = institution_in(await store.current(session), institution_id)
            lifecycle.check_criteria(change.criteria, institution.languages)
            record = await repository.criteria(session, institution_id)
            if record is None:
                record = AccreditationCriteriaRecord(
                    institution_id=institution_id, criteria=[], updated_at=now, updated_by=""
                )
                session.add(record)
            record.criteria = [criterion.model_dump(mode="json") for criterion in change.criteria]
            record.updated_at = now
            record.updated_by = caller.client_id
            return criteria_view(institution_id, record)


# --- Applying -----------------------------------------------------------------------------------


async def apply(
    sessions: SessionMaker,
    store: RegistryStore,
    caller: Principal,
    application: AccreditationApplication,
    *,
    now: datetime,
    files: Evidence,
) -> AccreditationView:
    """The NGO applies to an institution, answering each of its criteria with its evidence.

    The files are inspected first and stored sealed in `files.store` with the application; a
    refused file, a store failure or a failed commit keeps neither the application nor a file.
    Raises `NotPermitted` for a client that is not an NGO's, `AttachmentRefused`,
    `UnknownInstitution`, `NoCriteria`, `lifecycle.Rejected` for answers that do not fit the
    criteria, `PendingApplication`, and `StorageError`.
    """
    if caller.kind != "ngo" or not caller.institution_id:
        raise NotPermitted
    caller.require("accreditations:write")
    ngo_id = caller.institution_id
    cleaned = await evidence.inspected(application.answers, files.rules)

    @retried_on_lost_race
    async def attempt() -> AccreditationView:
        async with storing(files.store) as stored, unit_of_work(sessions) as session:
            institution_in(await store.current(session), application.institution_id)
            published = await repository.criteria(session, application.institution_id)
            if published is None or not published.criteria:
                raise NoCriteria
            lifecycle.check_answers(application.answers, criteria_of(published))
            pending = await repository.pending_application(
                session, ngo_id, application.institution_id
            )
            if pending is not None:
                raise PendingApplication(pending.id)
            record = Accreditation(
                id=f"acc-{uuid.uuid4().hex}",
                ngo_id=ngo_id,
                ngo_name=application.ngo_name.strip(),
                institution_id=application.institution_id,
                status=AccreditationStatus.APPLIED,
                answers=answers_kept(application.answers),
                applied_at=now,
                pending_key=repository.pending_key(ngo_id, application.institution_id),
            )
            session.add(record)
            await session.flush()  # the application's row first: its files' rows point at it
            kept = await evidence.put_all(
                stored, files.sealer, record, application.answers, cleaned
            )
            session.add_all(kept)
            trail = [record_step(session, record, caller, "apply", None, now=now)]
            return view(record, trail, kept, now.date())

    with database_answering():
        return await attempt()


# --- Reading ------------------------------------------------------------------------------------


async def accreditations_for(
    sessions: SessionMaker, caller: Principal, *, now: datetime
) -> list[AccreditationView]:
    """An NGO's own accreditations, or those an institution grants; every one for an admin."""
    async with sessions() as session:
        if caller.kind == "admin":
            records = await repository.accreditations(session)
        elif caller.kind == "ngo" and caller.institution_id:
            caller.require("accreditations:read")
            records = await repository.accreditations(session, ngo_id=caller.institution_id)
        elif caller.kind == "institution" and caller.institution_id:
            caller.require("accreditations:read")
            records = await repository.accreditations(session, institution_id=caller.institution_id)
        else:
            raise NotPermitted
        ids = [record.id for record in records]
        trails = await repository.steps_of(session, ids)
        files = await repository.attachments_of(session, ids)
    return [view(record, trails[record.id], files[record.id], now.date()) for record in records]


async def accreditation(
    sessions: SessionMaker, caller: Principal, accreditation_id: str, *, now: datetime
) -> AccreditationView:
    """One accreditation, to the NGO that holds it and the institution that grants it."""
    async with sessions() as session:
        record = await visible(session, caller, accreditation_id)
        if caller.kind != "admin":
            caller.require("accreditations:read")
        trails = await repository.steps_of(session, [record.id])
        files = await repository.attachments_of(session, [record.id])
    return view(record, trails[record.id], files[record.id], now.date())


async def accredited_ngos(
    sessions: SessionMaker, store: RegistryStore, institution_id: str, *, now: datetime
) -> list[AccreditedNgo]:
    """The NGOs an institution accredits today: granted and not expired. Public."""
    today = now.date()
    async with sessions() as session:
        institution_in(await store.current(session), institution_id)
        records = await repository.accreditations(
            session, institution_id=institution_id, statuses=(AccreditationStatus.GRANTED,)
        )
    listed = []
    for record in sorted(records, key=lambda r: r.ngo_name.casefold()):
        scope = scope_of(record)
        if status_on(record, today) != AccreditationStatus.GRANTED or scope is None:
            continue
        assert record.since is not None, "set when granted"
        assert record.expires_on is not None, "set when granted"
        listed.append(
            AccreditedNgo(
                ngo_id=record.ngo_id,
                name=record.ngo_name,
                scope=scope,
                since=record.since,
                until=record.expires_on,
            )
        )
    return listed


# --- The institution's decisions ----------------------------------------------------------------


async def decide(
    sessions: SessionMaker,
    store: RegistryStore,
    caller: Principal,
    accreditation_id: str,
    action: AccreditationAction,
    decision: Decision,
    *,
    now: datetime,
) -> AccreditationView:
    """Take one step of the lifecycle as the granting institution.

    Raises `AccreditationNotFound` to a caller who may not see it, `NotPermitted` to the NGO that
    holds it, `lifecycle.IllegalStep` for a step not allowed from where it stands, and
    `lifecycle.Rejected` for a scope or an expiry that cannot be used; nothing changes then.
    """
    today = now.date()

    @retried_on_lost_race
    async def attempt() -> AccreditationView:
        async with unit_of_work(sessions) as session:
            record = await visible(session, caller, accreditation_id)
            if not (caller.kind == "admin" or acts_for(caller, record.institution_id)):
                raise NotPermitted
            if caller.kind != "admin":
                caller.require("accreditations:write")
            current = status_on(record, today)
            after = lifecycle.step(current, action)
            categories, territories = record.categories, record.territories
            since, expires_on = record.since, record.expires_on
            if isinstance(decision, Grant):
                lifecycle.require_future(decision.expires_on, today)
                registry = await store.current(session)
                lifecycle.check_scope(decision.scope.territories, registry.territory_chains)
                categories = list(dict.fromkeys(decision.scope.categories))
                territories = list(dict.fromkeys(decision.scope.territories))
                since, expires_on = today, decision.expires_on
            elif isinstance(decision, Renewal):
                lifecycle.require_future(decision.expires_on, today)
                expires_on = decision.expires_on
            await repository.move_accreditation(
                session,
                record,
                status=after,
                categories=categories,
                territories=territories,
                since=since,
                expires_on=expires_on,
            )
            record_step(session, record, caller, action, current, decision=decision, now=now)
            trails = await repository.steps_of(session, [record.id])
            files = await repository.attachments_of(session, [record.id])
            return view(record, trails[record.id], files[record.id], today)

    with database_answering():
        return await attempt()


# --- The demo's accreditations ------------------------------------------------------------------


@dataclass(frozen=True)
class SeedAccreditation:
    ngo_id: str
    ngo_name: str
    institution_id: str
    scope: AccreditationScope
    years: int


class _Seed(BaseModel):
    criteria: dict[str, list[Criterion]]
    accreditations: list[dict[str, Any]]


def load_seed() -> tuple[dict[str, list[Criterion]], list[SeedAccreditation]]:
    """The demo's criteria and accreditations, from the file shipped beside the directory."""
    text = resources.files("routing").joinpath("accreditations.json").read_text("utf-8")
    seed = _Seed.model_validate(json.loads(text))
    granted = [
        SeedAccreditation(
            ngo_id=item["ngo_id"],
            ngo_name=item["ngo_name"],
            institution_id=item["institution_id"],
            scope=AccreditationScope.model_validate(item["scope"]),
            years=int(item["years"]),
        )
        for item in seed.accreditations
    ]
    return seed.criteria, granted


async def load_demo_accreditations(
    sessions: SessionMaker, registry: Registry, *, now: datetime
) -> int:
    """Publish the demo's criteria and grant its accreditations, once: what exists is kept.

    Returns how many accreditations were granted now. Each is applied for and granted by the
    `seed` client, with its events, as if the institution had done it today.
    """
    criteria_by_institution, granted = load_seed()
    seed = Principal(client_id=SEED_CLIENT, kind="admin")
    made = 0
    async with unit_of_work(sessions) as session:
        for institution_id, published in criteria_by_institution.items():
            institution = institution_in(registry, institution_id)
            lifecycle.check_criteria(published, institution.languages)
            if await repository.criteria(session, institution_id) is None:
                session.add(
                    AccreditationCriteriaRecord(
                        institution_id=institution_id,
                        criteria=[criterion.model_dump(mode="json") for criterion in published],
                        updated_at=now,
                        updated_by=SEED_CLIENT,
                    )
                )
        for item in granted:
            accreditation_id = (
                "acc-"
                + uuid.uuid5(
                    uuid.NAMESPACE_URL, f"nowrongdoor:{item.ngo_id}:{item.institution_id}"
                ).hex
            )
            if await repository.accreditation(session, accreditation_id) is not None:
                continue
            lifecycle.check_scope(item.scope.territories, registry.territory_chains)
            answers = [
                CriterionAnswer(criterion_id=c.id, answer="Checked by the institution (demo).")
                for c in criteria_by_institution.get(item.institution_id, [])
            ]
            record = Accreditation(
                id=accreditation_id,
                ngo_id=item.ngo_id,
                ngo_name=item.ngo_name,
                institution_id=item.institution_id,
                status=AccreditationStatus.GRANTED,
                answers=answers_kept(answers),
                categories=list(item.scope.categories),
                territories=list(item.scope.territories),
                since=now.date(),
                expires_on=now.date() + timedelta(days=365 * item.years),
                applied_at=now,
            )
            session.add(record)
            await session.flush()
            record_step(session, record, seed, "apply", None, now=now)
            grant = Grant(scope=item.scope, expires_on=record.expires_on)
            record_step(
                session, record, seed, "grant", AccreditationStatus.APPLIED, decision=grant, now=now
            )
            made += 1
    return made
