"""The fake case-tracking's Open311 reads: which cases an institution filed or takes part in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nowrongdoor.contracts.cases import FiledRequest, FiledRequestFilters
from nowrongdoor.contracts.vocabulary import CaseStatus as S

if TYPE_CHECKING:
    from .cases import Tracked

CONCLUDED = (S.INADMISSIBLE, S.RESOLVED, S.CLOSED, S.WITHDRAWN)


def filed_with(tracked: Tracked, institution_id: str, filters: FiledRequestFilters) -> bool:
    """Filed at the institution's door through Open311 or with an active part of its, and every
    filter holds; an empty list filters nothing, as on the wire. Without a category, not yet."""
    filed = (tracked.received_by, tracked.channel) == (institution_id, "open311")
    received, concluded = tracked.opened_at, tracked.view.status in CONCLUDED
    return (
        (filed or tracked.has_part(institution_id))
        and tracked.category is not None
        and (not filters.references or tracked.view.reference in filters.references)
        and (not filters.categories or tracked.category in filters.categories)
        and (filters.received_from is None or received >= filters.received_from)
        and (filters.received_until is None or received <= filters.received_until)
        and filters.concluded in (None, concluded)
    )


def as_filed(tracked: Tracked) -> FiledRequest:
    view = tracked.view
    running = [p.due for p in view.promised if p.due and p.met_on is None and not p.paused]
    assert tracked.category is not None, "a case without a category is not listed"
    return FiledRequest(
        reference=view.reference,
        status=view.status,
        category=tracked.category,
        institutions=view.institutions,
        received_at=tracked.opened_at,
        updated_at=max(entry.at for entry in view.timeline),
        expected=min(running, default=None),
    )
