"""Deciding a complaint, by the engine or at triage, and announcing it in the same transaction.

A reference keeps every decision made about it; the one with the highest revision is current.
The engine decides inside the transaction that records the event it heard (the inbox's), so a
redelivered event decides nothing twice. A triage desk's choice is a new decision, announced like
the engine's, and is written down as the rule that would have made it: a proposal someone may
adopt into a mandate, never a silent override of the engine. An institution that declines an
opened case is written down as having declined it; when it names nobody, the engine decides
again without it (see `routing.domain.transfer`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nowrongdoor import db
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.events import (
    CaseTransferred,
    CompetentInstitution,
    ComplaintFacts,
    ComplaintReceived,
    ComplaintResubmitted,
    ComplaintRouted,
    ComplaintTriageRequired,
)
from nowrongdoor.contracts.routing import TriageDecision
from nowrongdoor.contracts.vocabulary import RoutingOutcome
from nowrongdoor.db import SessionMaker, unit_of_work
from nowrongdoor.outbox import add_event
from routing import repository
from routing.domain import Decision, Registry, decide, transfer
from routing.domain.triage import (
    ChoiceProblem,
    choice_problems,
    decided_at_triage,
    proposal_facts,
    suggested_rule,
)
from routing.models import RoutingDecision, TriageRuleProposal
from routing.service import reliance
from routing.service.directory import NotPermitted, RegistryStore
from routing.service.transactions import database_answering

log = logging.getLogger(__name__)

SOURCE = "/services/routing"
ENGINE = "engine"
TRANSFER = "transfer"
"""Who a revision records as its maker when it only writes down a transfer to a named
institution; the engine's own decisions after a transfer record `ENGINE`."""
TRIAGE_DECISION = "triage-decision"
"""The reason a triage desk's decision records, where the engine records its own."""


class DecisionNotFound(LookupError):
    """No decision this caller may act on exists for the reference."""


class AlreadyDecided(Exception):
    """The reference is no longer waiting for triage."""


class DecidedMeanwhile(AlreadyDecided):
    """Another decision about the reference was recorded at the same moment."""


class InvalidChoice(ValueError):
    """The triage choice names institutions that cannot take the case; `problems` says which."""

    def __init__(self, problems: list[ChoiceProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


# --- The engine ---------------------------------------------------------------------------------


async def route_complaint(
    session: AsyncSession, store: RegistryStore, received: ComplaintReceived, *, revision: int = 1
) -> None:
    """Decide a received complaint and announce it, in the caller's transaction.

    The decision is written as the transaction commits, with the batch's others in one
    statement (`db.insert_at_commit`); `repository.latest_revision` counts it until then."""
    # Read in the decision's own transaction, so the version it records is the one used.
    registry = await store.for_transaction(session)
    decision = decide(received.facts, registry)
    record = _engine_record(received, decision, revision)
    db.insert_at_commit(session, repository.DECISIONS, record)
    competent = await reliance.marked(
        session, registry, received.facts, decision.competent, record["decided_at"].date()
    )
    add_event(
        session,
        _announcement(
            decision,
            received,
            registry,
            competent,
            decision_id=record["id"],
            decided_at=record["decided_at"],
            received_by=_participating(received.facts.received_by, registry),
        ),
        source=SOURCE,
        subject=received.reference,
    )


async def reroute_complaint(
    session: AsyncSession, store: RegistryStore, resubmitted: ComplaintResubmitted
) -> None:
    """Decide again, as a new revision, once the complainant has met a missing prerequisite."""
    latest = await repository.latest_revision(session, resubmitted.reference)
    again = ComplaintReceived(
        reference=resubmitted.reference,
        received_at=resubmitted.received_at,
        facts=resubmitted.facts,
    )
    await route_complaint(session, store, again, revision=(latest or 0) + 1)


async def learn_transfer(
    session: AsyncSession, store: RegistryStore, transferred: CaseTransferred
) -> RoutingDecision | None:
    """Write down who declined an opened case; decide again when they named nobody.

    A transfer to a named institution is a revision that changes who takes part and announces
    nothing (case tracking has opened the part already). A transfer back to routing is decided
    by the engine as the next revision, never for an institution that declined the case, and
    announced like any decision. The facts are routing's own, as last decided on; the event's
    serve only a reference routing never decided.
    """
    history = await repository.decision_history(session, transferred.reference)
    latest = history[-1] if history else None
    if latest is None and (transferred.to_institution_id or transferred.facts is None):
        log.warning(
            "a transfer of a complaint never decided", extra={"reference": transferred.reference}
        )
        return None
    registry = await store.for_transaction(session)
    facts = ComplaintFacts.model_validate(latest.facts) if latest else transferred.facts
    assert facts is not None
    taking_part = next(
        (
            [CompetentInstitution.model_validate(c) for c in decided.competent]
            for decided in reversed(history)
            if decided.competent
        ),
        [],
    )
    if latest is not None and transferred.to_institution_id is not None:
        record = _handed_on(latest, registry, facts, taking_part, transferred)
        session.add(record)
        return record
    declined = [i for decided in history for i in transfer.declined_in(decided.excluding_rules)]
    decision = transfer.decide_after_transfer(
        facts,
        registry,
        transferred_by=transferred.from_institution_id,
        declined=declined,
        taking_part=transfer.still_taking_part(
            taking_part, transferred.taking_part, registry, facts
        ),
    )
    again = ComplaintReceived(
        reference=transferred.reference,
        received_at=(latest.received_at or latest.decided_at) if latest else transferred.at,
        facts=facts,
    )
    record = RoutingDecision(
        **_engine_record(again, decision, (latest.revision if latest else 0) + 1)
    )
    session.add(record)
    # The door learned where the case went when it first opened; nothing is transferred from it.
    competent = await reliance.marked(
        session, registry, facts, decision.competent, record.decided_at.date()
    )
    add_event(
        session,
        _announcement(
            decision,
            again,
            registry,
            competent,
            decision_id=record.id,
            decided_at=record.decided_at,
            received_by=None,
        ),
        source=SOURCE,
        subject=transferred.reference,
    )
    return record


def _engine_record(
    received: ComplaintReceived, decision: Decision, revision: int
) -> dict[str, Any]:
    """The engine's decision as a row of `routing_decisions`."""
    return db.new_row(
        RoutingDecision,
        id=str(uuid.uuid4()),
        reference=received.reference,
        revision=revision,
        registry_version=decision.registry_version,
        outcome=decision.outcome,
        facts=received.facts.model_dump(mode="json"),
        competent=[c.model_dump(mode="json") for c in decision.competent],
        matched_rules=list(decision.matched_rules),
        excluding_rules=list(decision.excluding_rules),
        advice=decision.advice,
        candidates=list(decision.candidates),
        triage_institution_id=decision.triage_institution_id,
        reason=decision.reason,
        decided_by=ENGINE,
        received_at=received.received_at,
        decided_at=datetime.now(UTC),
    )


def _handed_on(
    latest: RoutingDecision,
    registry: Registry,
    facts: ComplaintFacts,
    taking_part: list[CompetentInstitution],
    transferred: CaseTransferred,
) -> RoutingDecision:
    """The decision in force, with the named institution in the place of the one that declined."""
    assert transferred.to_institution_id is not None
    competent = transfer.handed_on(
        taking_part,
        registry,
        facts,
        from_institution_id=transferred.from_institution_id,
        to_institution_id=transferred.to_institution_id,
    )
    declined = transfer.declined_marker(transferred.from_institution_id)
    return RoutingDecision(
        id=str(uuid.uuid4()),
        reference=latest.reference,
        revision=latest.revision + 1,
        registry_version=latest.registry_version,
        outcome=latest.outcome,
        facts=latest.facts,
        competent=([c.model_dump(mode="json") for c in competent] if latest.competent else []),
        matched_rules=list(latest.matched_rules),
        excluding_rules=list(dict.fromkeys([*latest.excluding_rules, declined])),
        advice=latest.advice,
        candidates=list(latest.candidates or []),
        triage_institution_id=latest.triage_institution_id,
        reason=latest.reason,
        decided_by=TRANSFER,
        received_at=latest.received_at,
        decided_at=datetime.now(UTC),
    )


# --- Reading decisions --------------------------------------------------------------------------


async def current_decision(sessions: SessionMaker, reference: str) -> RoutingDecision | None:
    async with sessions() as session:
        return await repository.current_decision(session, reference)


async def decision_history(sessions: SessionMaker, reference: str) -> list[RoutingDecision]:
    async with sessions() as session:
        return await repository.decision_history(session, reference)


# --- Triage -------------------------------------------------------------------------------------


async def decide_at_triage(
    sessions: SessionMaker,
    store: RegistryStore,
    reference: str,
    caller: Principal,
    choice: TriageDecision,
    *,
    committed: Callable[[], None] = lambda: None,
) -> tuple[RoutingDecision, TriageRuleProposal]:
    """Record the triage desk's choice as the current decision, announce it, propose its rule.

    Only the desk the waiting decision names may decide; to anyone else the reference does not
    exist. `committed` is told once the decision and its announcement are saved.
    """
    with database_answering():
        try:
            async with unit_of_work(sessions) as session:
                decided = await _decide_at_triage(session, store, reference, caller, choice)
        except Exception as error:
            if repository.lost_race(error):
                raise DecidedMeanwhile(reference) from error
            raise
    committed()
    return decided


async def _decide_at_triage(
    session: AsyncSession,
    store: RegistryStore,
    reference: str,
    caller: Principal,
    choice: TriageDecision,
) -> tuple[RoutingDecision, TriageRuleProposal]:
    waiting = await repository.current_decision(session, reference)
    if (
        waiting is None
        or caller.kind != "institution"
        or caller.institution_id is None
        or waiting.triage_institution_id != caller.institution_id
    ):
        raise DecisionNotFound(reference)
    caller.require("cases:write")
    if waiting.outcome != RoutingOutcome.TRIAGE:
        raise AlreadyDecided(reference)
    registry = await store.current(session)
    history = await repository.decision_history(session, reference)
    problems = choice_problems(
        registry,
        choice.lead_institution_id,
        choice.associated_institution_ids,
        declined={i for decided in history for i in transfer.declined_in(decided.excluding_rules)},
    )
    if problems:
        raise InvalidChoice(problems)

    facts = ComplaintFacts.model_validate(waiting.facts)
    decision = decided_at_triage(
        registry, facts, [choice.lead_institution_id, *choice.associated_institution_ids]
    )
    now = datetime.now(UTC)
    received_at = waiting.received_at or waiting.decided_at
    record = RoutingDecision(
        id=str(uuid.uuid4()),
        reference=reference,
        revision=waiting.revision + 1,
        registry_version=registry.version,
        outcome=decision.outcome,
        facts=waiting.facts,
        competent=[c.model_dump(mode="json") for c in decision.competent],
        matched_rules=[],
        excluding_rules=[],
        advice=None,
        triage_institution_id=waiting.triage_institution_id,
        reason=TRIAGE_DECISION,
        decided_by=caller.client_id,
        note=choice.reason,
        received_at=received_at,
        decided_at=now,
    )
    session.add(record)
    received_by = _participating(facts.received_by, registry)
    add_event(
        session,
        ComplaintRouted(
            reference=reference,
            decision_id=record.id,
            registry_version=registry.version,
            outcome=RoutingOutcome.COMPETENT,
            competent=await reliance.marked(
                session, registry, facts, decision.competent, now.date()
            ),
            received_by=received_by,
            received_by_name=(
                registry.institution_name(received_by, facts.language) if received_by else None
            ),
            matched_rules=[],
            excluding_rules=[],
            advice=None,
            language=facts.language,
            received_at=received_at,
            decided_at=now,
            triaged_by=waiting.triage_institution_id,
            explanation=decision.explain(facts.language),
            relayed_by=facts.relayed_by,
            territory_path=list(registry.territory_path(facts.respondent_territory)),
        ),
        source=SOURCE,
        subject=reference,
    )
    proposal = TriageRuleProposal(
        id=str(uuid.uuid4()),
        reference=reference,
        decision_id=record.id,
        engine_reason=waiting.reason or "",
        candidates=list(waiting.candidates or []),
        facts=proposal_facts(facts),
        lead_institution_id=choice.lead_institution_id,
        associated_institution_ids=list(choice.associated_institution_ids),
        suggested_rule=suggested_rule(registry, facts, waiting.matched_rules),
        created_at=now,
    )
    session.add(proposal)
    await session.flush()
    return record, proposal


async def triage_proposals(sessions: SessionMaker, caller: Principal) -> list[TriageRuleProposal]:
    """Rules triage decisions propose: all for administrators, an institution's own otherwise."""
    if caller.kind == "admin":
        institution_id = None
    elif caller.kind == "institution" and caller.institution_id:
        caller.require("mandate:write")
        institution_id = caller.institution_id
    else:
        raise NotPermitted
    async with sessions() as session:
        return await repository.proposals_for(session, institution_id)


# --- Announcing ---------------------------------------------------------------------------------


def _participating(institution_id: str | None, registry: Registry) -> str | None:
    return institution_id if institution_id in registry.institutions else None


def _announcement(
    decision: Decision,
    received: ComplaintReceived,
    registry: Registry,
    competent: list[CompetentInstitution],
    *,
    decision_id: str,
    decided_at: datetime,
    received_by: str | None,
) -> ComplaintRouted | ComplaintTriageRequired:
    facts = received.facts
    if decision.outcome is RoutingOutcome.TRIAGE:
        desk = decision.triage_institution_id
        assert desk is not None, "a triage decision always names its desk"
        return ComplaintTriageRequired(
            reference=received.reference,
            decision_id=decision_id,
            registry_version=decision.registry_version,
            triage_institution_id=desk,
            triage_institution_name=registry.institution_name(desk, facts.language),
            reason=decision.reason,
            candidates=list(decision.candidates),
            language=facts.language,
            received_at=received.received_at,
            decided_at=decided_at,
            explanation=decision.explain(facts.language),
        )
    return ComplaintRouted(
        reference=received.reference,
        decision_id=decision_id,
        registry_version=decision.registry_version,
        outcome=decision.outcome,
        competent=competent,
        received_by=received_by,
        received_by_name=(
            registry.institution_name(received_by, facts.language) if received_by else None
        ),
        matched_rules=list(decision.matched_rules),
        excluding_rules=list(decision.excluding_rules),
        advice=decision.advice,
        language=facts.language,
        received_at=received.received_at,
        decided_at=decided_at,
        explanation=decision.explain(facts.language),
        relayed_by=facts.relayed_by,
        territory_path=list(registry.territory_path(facts.respondent_territory)),
    )
