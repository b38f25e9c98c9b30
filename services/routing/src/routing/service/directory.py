"""The directory's use cases: loading it, reading it and its guide, changing a mandate, history.

Every change appends a numbered version of the whole directory and moves the current pointer in
the same transaction; a change that loses the race to another is replayed on top of the winner.
Each replica reads the pointer whenever it decides (one primary-key read) and compiles each
version only once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.routing import Guide, GuideAnswer, GuideAnswers
from nowrongdoor.contracts.vocabulary import Language
from nowrongdoor.db import SessionMaker, read_once, unit_of_work
from routing import repository
from routing.domain import (
    MandateProblem,
    MandateRejected,
    Registry,
    UnknownInstitution,
    mandate_etag,
    mandate_of,
    validate_mandate,
)
from routing.domain import guide as citizens_guide
from routing.domain.mandate import require_unchanged, with_mandate
from routing.models import TriageRuleProposal
from routing.repository import VersionSummary
from routing.service.transactions import (
    database_answering,
    retried_on_lost_race,
)

SEED_ACTOR = "seed"
SEED_SUMMARY = "The demo directory shipped with routing"
REFORMAT_ACTOR = "routing"
REFORMAT_SUMMARY = "The same directory, recorded in this release's format"


class NotPermitted(Exception):
    """The caller may not see or do this."""


@dataclass(frozen=True)
class Head:
    """The current version: its place in the history and the compiled registry."""

    number: int
    registry: Registry


@dataclass(frozen=True)
class MandateState:
    """An institution's mandate in one registry version, with the entity tag a change names."""

    institution_id: str
    registry_version: str
    rules: list[dict[str, Any]]
    etag: str
    changed: bool = False


class RegistryStore:
    """The current registry for each decision, compiled once per version and kept for a while."""

    def __init__(self, keep: int = 4) -> None:
        self.keep = keep
        self._compiled: OrderedDict[int, Registry] = OrderedDict()

    async def head(self, session: AsyncSession) -> Head:
        number = await repository.current_number(session)
        if number is None:
            raise LookupError("the directory has no version yet; routing loads it when it starts")
        registry = self._compiled.get(number)
        if registry is None:
            registry = Registry.from_dict((await repository.version(session, number)).document)
            self._compiled[number] = registry
            while len(self._compiled) > self.keep:
                self._compiled.popitem(last=False)
        return Head(number, registry)

    async def current(self, session: AsyncSession) -> Registry:
        return (await self.head(session)).registry

    async def for_transaction(self, session: AsyncSession) -> Registry:
        """The current registry, read once in the session's transaction: a batch of events
        handled together decides each with the version that stood when the batch read it,
        and records that version. Only for transactions that do not change the directory."""
        return await read_once(session, _REGISTRY_KEPT, lambda: self.current(session))


_REGISTRY_KEPT = "routing.registry"


async def load_directory(sessions: SessionMaker, seed: Registry) -> Registry:
    """The registry to decide with, loading `seed` as the first version into an empty database.

    Safe when several replicas start at once: one writes, the others read what it wrote.
    """

    @retried_on_lost_race
    async def attempt() -> Registry:
        async with unit_of_work(sessions) as session:
            number = await repository.current_number(session)
            now = datetime.now(UTC)
            if number is None:
                await repository.append_version(
                    session, None, seed, actor=SEED_ACTOR, summary=SEED_SUMMARY, now=now
                )
                return seed
            record = await repository.version(session, number)
            registry = Registry.from_dict(record.document)
            if registry.version != record.version:
                # This release writes the document differently: record it so decisions always
                # name a version that is stored.
                await repository.append_version(
                    session,
                    number,
                    registry,
                    actor=REFORMAT_ACTOR,
                    summary=REFORMAT_SUMMARY,
                    now=now,
                )
            return registry

    with database_answering():
        return await attempt()


async def current_registry(sessions: SessionMaker, store: RegistryStore) -> Registry:
    async with sessions() as session:
        return await store.current(session)


async def mandate(
    sessions: SessionMaker, store: RegistryStore, institution_id: str
) -> MandateState:
    """An institution's mandate as it stands; raises `UnknownInstitution`."""
    return _mandate_state(await current_registry(sessions, store), institution_id)


def may_change_mandate(caller: Principal, institution_id: str) -> None:
    """An institution changes its own mandate with `mandate:write`; an administrator any.

    To every other caller the institution does not exist, so ids cannot be probed.
    """
    if caller.kind == "admin":
        return
    if caller.kind == "institution" and caller.institution_id == institution_id:
        caller.require("mandate:write")
        return
    raise UnknownInstitution(institution_id)


async def change_mandate(
    sessions: SessionMaker,
    store: RegistryStore,
    caller: Principal,
    institution_id: str,
    *,
    rules: Sequence[Mapping[str, Any]],
    summary: str,
    adopted_proposals: Sequence[str] = (),
    if_match: str | None = None,
) -> MandateState:
    """Replace one institution's rules, as a new version of the whole directory.

    Raises `UnknownInstitution`, `StaleMandate` when `if_match` no longer names the mandate,
    `MandateRejected`, `RegistryBusy` when other changes keep winning the race, and
    `DatabaseUnavailable`; in each case nothing was changed.
    """
    may_change_mandate(caller, institution_id)

    @retried_on_lost_race
    async def attempt() -> MandateState:
        async with unit_of_work(sessions) as session:
            head = await store.head(session)
            current = head.registry
            require_unchanged(current, institution_id, if_match)
            problems = validate_mandate(rules, current)
            proposals = await _open_proposals(session, adopted_proposals, institution_id, problems)
            if problems:
                raise MandateRejected(problems)
            changed = with_mandate(current, institution_id, rules)
            if changed.version != current.version:
                await repository.append_version(
                    session,
                    head.number,
                    changed,
                    actor=caller.client_id,
                    summary=summary,
                    now=datetime.now(UTC),
                )
            for proposal in proposals:
                proposal.status = "adopted"
                proposal.adopted_in_version = changed.version
            return _mandate_state(
                changed, institution_id, changed=changed.version != current.version
            )

    with database_answering():
        return await attempt()


async def registry_history(
    sessions: SessionMaker, caller: Principal
) -> tuple[list[VersionSummary], int | None]:
    """Every version, newest first, and the number of the current one: for administrators."""
    if caller.kind != "admin":
        raise NotPermitted
    async with sessions() as session:
        return await repository.history(session), await repository.current_number(session)


async def guide_questions(
    sessions: SessionMaker, store: RegistryStore, language: Language
) -> Guide:
    return citizens_guide.questions(await current_registry(sessions, store), language)


async def answer_guide(
    sessions: SessionMaker, store: RegistryStore, answers: GuideAnswers, language: Language
) -> GuideAnswer:
    """What the engine would decide for these answers; nothing of them is stored or logged."""
    return citizens_guide.answer(answers, await current_registry(sessions, store), language)


def _mandate_state(
    registry: Registry, institution_id: str, *, changed: bool = False
) -> MandateState:
    rules = mandate_of(registry, institution_id)
    return MandateState(institution_id, registry.version, rules, mandate_etag(rules), changed)


async def _open_proposals(
    session: AsyncSession,
    ids: Sequence[str],
    institution_id: str,
    problems: list[MandateProblem],
) -> list[TriageRuleProposal]:
    """The proposals a change adopts; each one that cannot be adopted is added to `problems`."""
    found = []
    for proposal_id in dict.fromkeys(ids):
        proposal = await repository.proposal(session, proposal_id)
        if proposal is None or proposal.lead_institution_id != institution_id:
            problems.append(
                MandateProblem(
                    "adopted_proposals",
                    f"proposal {proposal_id!r}: no proposal for this institution",
                )
            )
        elif proposal.status != "proposed":
            problems.append(
                MandateProblem("adopted_proposals", f"proposal {proposal_id!r} is already adopted")
            )
        else:
            found.append(proposal)
    return found
