"""The directory's history in routing's database: its versions, the current one, mandate changes.

Every change appends a numbered version and moves the `registry_current` pointer in the same
transaction, only if the pointer still names the version the change started from; two changes
racing each other cannot both win, and the loser is replayed on top of the winner. Each replica
reads the pointer whenever it decides (one primary-key read) and compiles each version only once.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from nowrongdoor.db import SessionMaker, unit_of_work
from routing.domain import Registry, RegistryError, validate_mandate
from routing.models import CurrentRegistry, RegistryVersion, TriageRuleProposal

CURRENT = 1
SEED_ACTOR = "seed"
SEED_SUMMARY = "The demo directory shipped with routing"
ATTEMPTS = 8


class UnknownInstitution(LookupError):
    """No participating institution has this id."""


class MandateRejected(ValueError):
    """The new mandate cannot be used; `problems` names each reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class StaleMandate(Exception):
    """The mandate changed since the caller read it."""


class RegistryBusy(Exception):
    """Other changes kept winning the race; nothing was saved."""


class _Raced(Exception):
    """The pointer moved between reading it and moving it."""


@dataclass(frozen=True)
class Head:
    """The current version: its place in the history and the compiled registry."""

    number: int
    registry: Registry


@dataclass(frozen=True)
class VersionSummary:
    number: int
    version: str
    created_at: datetime
    actor: str
    summary: str


@dataclass(frozen=True)
class MandateSaved:
    registry: Registry
    changed: bool


class RegistryStore:
    """The current registry for each decision, compiled once per version and kept for a while."""

    def __init__(self, keep: int = 4) -> None:
        self.keep = keep
        self._compiled: OrderedDict[int, Registry] = OrderedDict()

    async def head(self, session: AsyncSession) -> Head:
        number = await session.scalar(
            select(CurrentRegistry.number).where(col(CurrentRegistry.id) == CURRENT)
        )
        if number is None:
            raise LookupError("the directory has no version yet; routing loads it when it starts")
        registry = self._compiled.get(number)
        if registry is None:
            record = await session.get(RegistryVersion, number)
            assert record is not None, "the pointer names a stored version"
            registry = Registry.from_dict(record.document)
            self._compiled[number] = registry
            while len(self._compiled) > self.keep:
                self._compiled.popitem(last=False)
        return Head(number, registry)

    async def current(self, session: AsyncSession) -> Registry:
        return (await self.head(session)).registry


async def ensure_current(sessions: SessionMaker, seed: Registry) -> Registry:
    """The registry to decide with, loading `seed` as the first version into an empty database.

    Safe when several replicas start at once: one writes, the others read what it wrote.
    """
    for _attempt in range(ATTEMPTS):
        try:
            async with unit_of_work(sessions) as session:
                pointer = await session.get(CurrentRegistry, CURRENT)
                if pointer is None:
                    await _append(session, None, seed, actor=SEED_ACTOR, summary=SEED_SUMMARY)
                    return seed
                record = await session.get(RegistryVersion, pointer.number)
                assert record is not None, "the pointer names a stored version"
                registry = Registry.from_dict(record.document)
                if registry.version != record.version:
                    # This release writes the document differently: record it so decisions
                    # always name a version that is stored.
                    await _append(
                        session,
                        pointer.number,
                        registry,
                        actor="routing",
                        summary="The same directory, recorded in this release's format",
                    )
                return registry
        except (IntegrityError, OperationalError, _Raced):
            continue  # another replica wrote first; read what it wrote
    raise RegistryBusy


async def _append(
    session: AsyncSession, previous: int | None, registry: Registry, *, actor: str, summary: str
) -> int:
    """Record `registry` as the version after `previous` and make it current."""
    number = 1 if previous is None else previous + 1
    now = datetime.now(UTC)
    session.add(
        RegistryVersion(
            number=number,
            version=registry.version,
            document=registry.to_dict(),
            created_at=now,
            actor=actor,
            summary=summary,
        )
    )
    await session.flush()
    if previous is None:
        session.add(CurrentRegistry(id=CURRENT, number=1, version=registry.version, changed_at=now))
        await session.flush()
        return number
    moved = await session.execute(
        sa.update(CurrentRegistry)
        .where(col(CurrentRegistry.id) == CURRENT, col(CurrentRegistry.number) == previous)
        .values(number=number, version=registry.version, changed_at=now)
    )
    if getattr(moved, "rowcount", 0) != 1:
        raise _Raced
    return number


def mandate_of(registry: Registry, institution_id: str) -> list[dict[str, Any]]:
    """The institution's rules as it declared them, in the registry's canonical order."""
    for institution in registry.to_dict()["institutions"]:
        if institution["id"] == institution_id:
            rules: list[dict[str, Any]] = institution["rules"]
            return rules
    raise UnknownInstitution(institution_id)


def mandate_etag(rules: Sequence[Mapping[str, Any]]) -> str:
    """A strong entity tag of a mandate, so a change can require that nobody changed it since."""
    canonical = json.dumps(
        sorted(rules, key=lambda rule: str(rule["id"])),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


async def change_mandate(
    sessions: SessionMaker,
    store: RegistryStore,
    *,
    institution_id: str,
    rules: Sequence[Mapping[str, Any]],
    summary: str,
    actor: str,
    adopted_proposals: Sequence[str] = (),
    if_match: str | None = None,
) -> MandateSaved:
    """Replace one institution's rules, as a new version of the whole directory."""
    for _attempt in range(ATTEMPTS):
        try:
            async with unit_of_work(sessions) as session:
                return await _change_mandate(
                    session,
                    await store.head(session),
                    institution_id=institution_id,
                    rules=rules,
                    summary=summary,
                    actor=actor,
                    adopted_proposals=adopted_proposals,
                    if_match=if_match,
                )
        except (IntegrityError, OperationalError, _Raced):
            continue  # another change won the race; replay this one on top of it
    raise RegistryBusy


async def _change_mandate(
    session: AsyncSession,
    head: Head,
    *,
    institution_id: str,
    rules: Sequence[Mapping[str, Any]],
    summary: str,
    actor: str,
    adopted_proposals: Sequence[str],
    if_match: str | None,
) -> MandateSaved:
    current = head.registry
    previous_rules = mandate_of(current, institution_id)
    if if_match is not None and if_match not in (mandate_etag(previous_rules), "*"):
        raise StaleMandate
    problems = validate_mandate(rules, current)
    proposals = await _open_proposals(session, adopted_proposals, institution_id, problems)
    if problems:
        raise MandateRejected(problems)
    document = current.to_dict()
    for institution in document["institutions"]:
        if institution["id"] == institution_id:
            institution["rules"] = [dict(rule) for rule in rules]
    try:
        changed = Registry.from_dict(document)
    except RegistryError as error:
        raise MandateRejected(error.problems) from error
    if changed.version != current.version:
        await _append(session, head.number, changed, actor=actor, summary=summary)
    for proposal in proposals:
        proposal.status = "adopted"
        proposal.adopted_in_version = changed.version
    return MandateSaved(changed, changed.version != current.version)


async def _open_proposals(
    session: AsyncSession, ids: Sequence[str], institution_id: str, problems: list[str]
) -> list[TriageRuleProposal]:
    """The proposals a change adopts; each one that cannot be adopted is added to `problems`."""
    found = []
    for proposal_id in dict.fromkeys(ids):
        proposal = await session.get(TriageRuleProposal, proposal_id)
        if proposal is None or proposal.lead_institution_id != institution_id:
            problems.append(f"proposal {proposal_id!r}: no proposal for this institution")
        elif proposal.status != "proposed":
            problems.append(f"proposal {proposal_id!r} is already adopted")
        else:
            found.append(proposal)
    return found


async def history(session: AsyncSession) -> tuple[list[VersionSummary], int | None]:
    """Every version without its document, newest first, and the number of the current one."""
    rows = await session.execute(
        sa.select(
            col(RegistryVersion.number),
            col(RegistryVersion.version),
            col(RegistryVersion.created_at),
            col(RegistryVersion.actor),
            col(RegistryVersion.summary),
        ).order_by(col(RegistryVersion.number).desc())
    )
    current = await session.scalar(
        select(CurrentRegistry.number).where(col(CurrentRegistry.id) == CURRENT)
    )
    return [VersionSummary(*row) for row in rows], current
