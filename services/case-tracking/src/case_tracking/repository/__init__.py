"""Queries over case tracking's own tables; the caller's transaction commits, never this module.

What the statistics read is apart, in `counting`, and what the Open311 facade reads in
`filed_requests`: codes and instants only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from case_tracking.domain.lifecycle import FINAL
from case_tracking.models import (
    AuditEntry,
    CaseGroup,
    CaseInvitation,
    CaseMessage,
    CasePart,
    DeadlineBreach,
    KnownInstitution,
    PartPause,
    TimelineEntry,
)
from nowrongdoor import db
from nowrongdoor.contracts.vocabulary import CaseStatus

# -- the case group --------------------------------------------------------------------------


# Built once: each event that changes a case reads its group so, and Session.get would build the
# statement and work out its cache key again every time.
_GROUP_FOR_UPDATE = (
    select(CaseGroup)
    .where(col(CaseGroup.reference) == sa.bindparam("reference"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


async def case_group(
    session: AsyncSession, reference: str, *, for_update: bool = False
) -> CaseGroup | None:
    """The case group under `reference`; locked for the transaction when it is to change."""
    if for_update:
        return (await session.scalars(_GROUP_FOR_UPDATE, {"reference": reference})).first()
    return await session.get(CaseGroup, reference)


async def move_version(session: AsyncSession, reference: str, expected: int | None) -> bool:
    """Move the group's version on, if it still is `expected` (any, when None); True if it did.

    A compare-and-set in one statement: of two changes made on the same version, exactly one
    moves it, and the row stays locked until the transaction ends.
    """
    statement = (
        sa.update(CaseGroup)
        .where(col(CaseGroup.reference) == reference)
        .values(version=col(CaseGroup.version) + 1)
        .execution_options(synchronize_session=False)
    )
    if expected is not None:
        statement = statement.where(col(CaseGroup.version) == expected)
    result: Any = await session.execute(statement)
    return bool(result.rowcount == 1)


# -- parts -----------------------------------------------------------------------------------


# Every read of a case makes the statements below. Each is built once, so that SQLAlchemy
# neither builds it again nor works out its cache key on every read, a third of its cost.
_PARTS = (
    select(CasePart)
    .where(col(CasePart.reference) == sa.bindparam("reference"))
    .order_by(col(CasePart.id))
)
_PAUSES = (
    select(PartPause)
    .where(col(PartPause.part_id).in_(sa.bindparam("part_ids", expanding=True)))
    .order_by(col(PartPause.id))
)
_PARTS_AND_PAUSES = (
    select(CasePart, PartPause)
    .outerjoin(PartPause, col(PartPause.part_id) == col(CasePart.id))
    .where(col(CasePart.reference) == sa.bindparam("reference"))
    .order_by(col(CasePart.id), col(PartPause.id))
)
_CASE_TO_READ = (
    select(CaseGroup, CasePart, PartPause)
    .outerjoin(CasePart, col(CasePart.reference) == col(CaseGroup.reference))
    .outerjoin(PartPause, col(PartPause.part_id) == col(CasePart.id))
    .where(col(CaseGroup.reference) == sa.bindparam("reference"))
    .order_by(col(CasePart.id), col(PartPause.id))
)
_TIMELINE = (
    select(TimelineEntry)
    .where(col(TimelineEntry.reference) == sa.bindparam("reference"))
    .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
)
TIMELINE_ENTRIES: sa.Table = TimelineEntry.__table__  # type: ignore[attr-defined]
CASE_PARTS: sa.Table = CasePart.__table__  # type: ignore[attr-defined]
# On the table, not the model: no flush before it, and no entry of the session's to bring up to
# date, as the opening's entries are rows the session never holds.
TOLD_COLUMNS = ("summary", "wording", "facts")
"""The columns of an entry that tell what happened (`recording.told`)."""
# Built once, a value for each told column: bind parameters of their own names, as an UPDATE
# keeps its columns' names for the values it sets.
_RETELL_RECEIVED = (
    sa.update(TIMELINE_ENTRIES)
    .where(
        TIMELINE_ENTRIES.c.reference == sa.bindparam("of_reference"),
        TIMELINE_ENTRIES.c.kind == CaseStatus.RECEIVED.value,
    )
    .values(
        {
            name: sa.bindparam(f"told_{name}", type_=TIMELINE_ENTRIES.c[name].type)
            for name in TOLD_COLUMNS
        }
    )
)
_MESSAGES = (
    select(CaseMessage)
    .where(col(CaseMessage.reference) == sa.bindparam("reference"))
    .order_by(col(CaseMessage.id))
)
_INVITATIONS = (
    select(CaseInvitation)
    .where(col(CaseInvitation.reference) == sa.bindparam("reference"))
    .order_by(col(CaseInvitation.at), col(CaseInvitation.id))
)


async def parts(session: AsyncSession, reference: str) -> list[CasePart]:
    """The institutions' parts in the order they were opened."""
    return list((await session.scalars(_PARTS, {"reference": reference})).all())


def open_parts(session: AsyncSession, opened: Iterable[CasePart]) -> None:
    """Write parts just opened as the transaction commits, with every other row it keeps for
    then, in one statement (`db.insert_at_commit`); the session never holds them. Numbered as
    they are written, so their order is the order they were opened in."""
    for part in opened:
        db.insert_at_commit(
            session,
            CASE_PARTS,
            {name: getattr(part, name) for name in _OPENED_PART_COLUMNS},
        )


_OPENED_PART_COLUMNS = [
    column.name for column in CASE_PARTS.columns if column is not CASE_PARTS.autoincrement_column
]


async def parts_and_pauses(
    session: AsyncSession, reference: str
) -> tuple[list[CasePart], dict[int, list[PartPause]]]:
    """The institutions' parts in the order they were opened, and each part's waits for the
    complainant, oldest first: what `parts` and `pauses` read, in one statement."""
    rows = await session.execute(_PARTS_AND_PAUSES, {"reference": reference})
    return _parts_and_pauses((part, pause) for part, pause in rows.all())


async def case_to_read(
    session: AsyncSession, reference: str
) -> tuple[CaseGroup, list[CasePart], dict[int, list[PartPause]]] | None:
    """The case group, its parts and their pauses (`parts_and_pauses`) in one statement; None
    when there is no such case."""
    rows = (await session.execute(_CASE_TO_READ, {"reference": reference})).all()
    if not rows:
        return None
    parts, pauses = _parts_and_pauses((part, pause) for _, part, pause in rows if part)
    return rows[0][0], parts, pauses


def _parts_and_pauses(
    rows: Iterable[tuple[CasePart, PartPause | None]],
) -> tuple[list[CasePart], dict[int, list[PartPause]]]:
    """Rows of a part and one of its pauses (or none), in the parts' order, folded."""
    parts: list[CasePart] = []
    pauses: dict[int, list[PartPause]] = {}
    for part, pause in rows:
        waits = pauses.get(part.id or 0)
        if waits is None:
            waits = pauses[part.id or 0] = []
            parts.append(part)
        if pause is not None:
            waits.append(pause)
    return parts, pauses


async def part_of(session: AsyncSession, reference: str, institution_id: str) -> CasePart | None:
    return (
        await session.scalars(
            select(CasePart).where(
                col(CasePart.reference) == reference,
                col(CasePart.institution_id) == institution_id,
            )
        )
    ).first()


def taking_part(parts: Iterable[CasePart]) -> list[str]:
    """The institutions taking part in a case, given all its parts: those it was not transferred
    away from, in the order their parts were opened."""
    return [
        part.institution_id
        for part in sorted(parts, key=lambda part: part.id or 0)
        if part.status != CaseStatus.TRANSFERRED
    ]


async def institution_ids(session: AsyncSession, reference: str) -> list[str]:
    """The institutions taking part in the case (`taking_part`), read from the database."""
    return taking_part(await parts(session, reference))


async def pauses(session: AsyncSession, part_ids: Iterable[int]) -> dict[int, list[PartPause]]:
    """Each part's waits for the complainant, oldest first."""
    ids = list(part_ids)
    found: dict[int, list[PartPause]] = {part_id: [] for part_id in ids}
    if not ids:
        return found
    rows = await session.scalars(_PAUSES, {"part_ids": ids})
    for pause in rows:
        found[pause.part_id].append(pause)
    return found


async def parts_past_due(session: AsyncSession, today: date) -> list[tuple[CasePart, str | None]]:
    """Parts with a step whose promised day is behind `today`, with their case's territory."""
    rows = await session.execute(
        select(CasePart, CaseGroup.respondent_territory)
        .join(CaseGroup, col(CaseGroup.reference) == col(CasePart.reference))
        .where(col(CasePart.due_on) < today, col(CasePart.status).not_in(list(FINAL)))
        .order_by(col(CasePart.id))
    )
    return [(part, territory) for part, territory in rows.all()]


# -- timeline and messages -------------------------------------------------------------------


async def timeline(session: AsyncSession, reference: str) -> list[TimelineEntry]:
    """Every step of the case, oldest first."""
    return list((await session.scalars(_TIMELINE, {"reference": reference})).all())


async def retell_received_entry(
    session: AsyncSession, reference: str, told: dict[str, Any]
) -> None:
    """Change the case's one entry saying the complaint was received to `told` (each of
    `TOLD_COLUMNS` by name), whether it is stored or still waits for the commit
    (`db.insert_at_commit`)."""
    for row in db.rows_at_commit(session, TIMELINE_ENTRIES):
        if row["reference"] == reference and row["kind"] == CaseStatus.RECEIVED.value:
            row.update(told)
            return
    await session.execute(
        _RETELL_RECEIVED,
        {"of_reference": reference, **{f"told_{name}": told[name] for name in TOLD_COLUMNS}},
    )


async def messages(session: AsyncSession, reference: str) -> list[CaseMessage]:
    """Every message of the case, oldest first; the caller keeps what its reader may read."""
    return list((await session.scalars(_MESSAGES, {"reference": reference})).all())


def add_audit_entry(
    session: AsyncSession,
    *,
    at: datetime,
    client_id: str,
    kind: str,
    institution_id: str | None,
    action: str,
    reference: str,
    detail: str | None = None,
) -> None:
    """An audit row in the caller's transaction; the database refuses to change it afterwards."""
    session.add(
        AuditEntry(
            at=at,
            actor_client_id=client_id,
            actor_kind=kind,
            actor_institution_id=institution_id,
            action=action,
            reference=reference,
            detail=detail,
        )
    )


async def audit_entries(session: AsyncSession, reference: str) -> list[AuditEntry]:
    return list(
        (
            await session.scalars(
                select(AuditEntry)
                .where(col(AuditEntry.reference) == reference)
                .order_by(col(AuditEntry.id))
            )
        ).all()
    )


# -- promises kept and broken ----------------------------------------------------------------


async def claimed_breaches(
    session: AsyncSession, references: Iterable[str]
) -> set[tuple[str, str, str]]:
    """(reference, institution, standard) of every breach already claimed in these cases."""
    wanted = sorted(set(references))
    if not wanted:
        return set()
    rows = await session.execute(
        select(
            DeadlineBreach.reference, DeadlineBreach.institution_id, DeadlineBreach.standard
        ).where(col(DeadlineBreach.reference).in_(wanted))
    )
    return {(reference, institution, standard) for reference, institution, standard in rows.all()}


async def claim_breach(
    session: AsyncSession,
    *,
    reference: str,
    institution_id: str,
    standard: str,
    due: date,
    at: datetime,
) -> bool:
    """Claim the one right to announce this breach; False when it was claimed already.

    The unique row decides: a concurrent claim waits for this transaction, then finds the row.
    """
    values = {
        "reference": reference,
        "institution_id": institution_id,
        "standard": standard,
        "due": due,
        "breached_at": at,
    }
    result: Any = await session.execute(
        _insert(session, DeadlineBreach)
        .values(values)
        .on_conflict_do_nothing(index_elements=["reference", "institution_id", "standard"])
    )
    return bool(result.rowcount == 1)


# -- invitations to a joint case -------------------------------------------------------------


async def invitations(session: AsyncSession, reference: str) -> list[CaseInvitation]:
    """Every invitation of the case, oldest first."""
    return list((await session.scalars(_INVITATIONS, {"reference": reference})).all())


async def pending_invitation(
    session: AsyncSession, reference: str, institution_id: str
) -> CaseInvitation | None:
    """The invitation `institution_id` has yet to answer in this case, if any."""
    return (
        await session.scalars(
            select(CaseInvitation).where(
                col(CaseInvitation.reference) == reference,
                col(CaseInvitation.institution_id) == institution_id,
                col(CaseInvitation.status) == "pending",
            )
        )
    ).first()


# -- institutions heard of -------------------------------------------------------------------


async def learn_institution(session: AsyncSession, known: dict[str, Any]) -> None:
    """Keep the latest of what a decision said about an institution, in its language; `known`
    is a row of `known_institutions` (`db.new_row(KnownInstitution, ...)`).

    A batch of decisions naming one institution alike writes it once in its transaction."""
    learned = db.kept_for_transaction(session)
    key = ("known-institution", known["institution_id"], known["language"])
    said = {name: value for name, value in known.items() if name != "learned_at"}
    if learned.get(key) == said:
        return
    learned[key] = said
    statement = _insert(session, KnownInstitution).values(known)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["institution_id", "language"],
            set_={
                name: getattr(statement.excluded, name)
                for name in known
                if name not in ("institution_id", "language")
            },
        )
    )


async def institution_calendar(session: AsyncSession, institution_id: str) -> str | None:
    """The country whose business days an institution counts on, as its parts were opened."""
    return await session.scalar(
        select(CasePart.calendar)
        .where(col(CasePart.institution_id) == institution_id, col(CasePart.calendar).is_not(None))
        .limit(1)
    )


async def known_institution(
    session: AsyncSession, institution_id: str, language: str
) -> KnownInstitution | None:
    """What decisions said about an institution, in `language` if they ever did."""
    rows = await session.scalars(
        select(KnownInstitution)
        .where(col(KnownInstitution.institution_id) == institution_id)
        .order_by(
            sa.case((col(KnownInstitution.language) == language, 0), else_=1),
            col(KnownInstitution.learned_at).desc(),
        )
    )
    return rows.first()


def _insert(session: AsyncSession, table: type[SQLModel]) -> Any:
    """An INSERT able to say what happens on a conflict, in the dialect of the session."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
