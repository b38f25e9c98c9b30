"""What each reader may see of the cases: the institution's own list, with cursors."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import and_, col, or_, select

from case_tracking.models import CaseGroup, CasePart
from nowrongdoor.contracts.cases import InstitutionCase, InstitutionCasePage


class BadCursor(ValueError):
    """A cursor this service did not hand out."""


def encode_cursor(opened_at: datetime, reference: str) -> str:
    raw = f"{opened_at.isoformat()}|{reference}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, reference = raw.split("|", 1)
        return datetime.fromisoformat(stamp), reference
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise BadCursor("not a cursor of this list") from error


async def has_part(session: AsyncSession, reference: str, institution_id: str) -> bool:
    part = (
        await session.scalars(
            select(CasePart.id).where(
                col(CasePart.reference) == reference,
                col(CasePart.institution_id) == institution_id,
            )
        )
    ).first()
    return part is not None


async def institution_cases(
    session: AsyncSession, institution_id: str, *, limit: int, cursor: str | None
) -> InstitutionCasePage:
    """The cases in which `institution_id` has a part, newest first."""
    query = (
        select(CaseGroup, CasePart)
        .join(CasePart, col(CasePart.reference) == col(CaseGroup.reference))
        .where(col(CasePart.institution_id) == institution_id)
    )
    if cursor is not None:
        opened_at, reference = decode_cursor(cursor)
        query = query.where(
            or_(
                col(CaseGroup.opened_at) < opened_at,
                and_(col(CaseGroup.opened_at) == opened_at, col(CaseGroup.reference) < reference),
            )
        )
    rows = (
        await session.execute(
            query.order_by(col(CaseGroup.opened_at).desc(), col(CaseGroup.reference).desc()).limit(
                limit + 1
            )
        )
    ).all()
    items = [
        InstitutionCase(
            reference=group.reference,
            status=group.status,
            part_status=part.status,
            role=part.role,
            office_id=part.office_id,
            language=group.language,
            opened_at=group.opened_at,
        )
        for group, part in rows[:limit]
    ]
    next_cursor = (
        encode_cursor(items[-1].opened_at, items[-1].reference) if len(rows) > limit else None
    )
    return InstitutionCasePage(items=items, next_cursor=next_cursor)
