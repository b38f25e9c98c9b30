"""How long personal data is kept after its case closed; for a joint case, the longest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetentionPolicy:
    default_days: int
    days_by_institution: Mapping[str, int] = field(default_factory=dict)

    def days_for(self, institution_ids: Iterable[str]) -> int:
        days = [self.days_by_institution.get(i, self.default_days) for i in institution_ids]
        return max(days, default=self.default_days)

    def purge_due_at(self, closed_at: datetime, institution_ids: Iterable[str]) -> datetime:
        return closed_at + timedelta(days=self.days_for(institution_ids))

    @property
    def shortest_days(self) -> int:
        """Nothing closed more recently than this many days ago can be due."""
        return min([self.default_days, *self.days_by_institution.values()])
