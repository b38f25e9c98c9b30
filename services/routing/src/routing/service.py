"""Deciding a received complaint and announcing the decision, in one transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nowrongdoor.events import ComplaintReceived, ComplaintRouted, ComplaintTriageRequired
from nowrongdoor.outbox import add_event
from routing.domain import Decision, Registry, decide
from routing.models import RoutingDecision

SOURCE = "/services/routing"


def route_complaint(
    session: AsyncSession, received: ComplaintReceived, registry: Registry
) -> RoutingDecision:
    decision = decide(received.facts, registry)
    now = datetime.now(UTC)
    record = RoutingDecision(
        id=str(uuid.uuid4()),
        reference=received.reference,
        registry_version=decision.registry_version,
        outcome=decision.outcome,
        facts=received.facts.model_dump(mode="json"),
        competent=[c.model_dump(mode="json") for c in decision.competent],
        matched_rules=list(decision.matched_rules),
        excluding_rules=list(decision.excluding_rules),
        advice=decision.advice,
        triage_institution_id=decision.triage_institution_id,
        reason=decision.reason,
        decided_at=now,
    )
    session.add(record)
    add_event(
        session,
        _announcement(decision, received, record, registry),
        source=SOURCE,
        subject=received.reference,
    )
    return record


def _announcement(
    decision: Decision, received: ComplaintReceived, record: RoutingDecision, registry: Registry
) -> ComplaintRouted | ComplaintTriageRequired:
    facts = received.facts
    if decision.outcome == "triage":
        desk = decision.triage_institution_id
        assert desk is not None, "a triage decision always names its desk"
        return ComplaintTriageRequired(
            reference=received.reference,
            decision_id=record.id,
            registry_version=decision.registry_version,
            triage_institution_id=desk,
            triage_institution_name=registry.institution_name(desk, facts.language),
            reason=decision.reason,
            candidates=list(decision.candidates),
            language=facts.language,
            received_at=received.received_at,
            decided_at=record.decided_at,
        )
    received_by = facts.received_by if facts.received_by in registry.institutions else None
    return ComplaintRouted(
        reference=received.reference,
        decision_id=record.id,
        registry_version=decision.registry_version,
        outcome=decision.outcome,
        competent=list(decision.competent),
        received_by=received_by,
        received_by_name=(
            registry.institution_name(received_by, facts.language) if received_by else None
        ),
        matched_rules=list(decision.matched_rules),
        excluding_rules=list(decision.excluding_rules),
        advice=decision.advice,
        language=facts.language,
        received_at=received.received_at,
        decided_at=record.decided_at,
    )
