"""Which cells to withhold: primary suppression of small counts, then complementary suppression
over the sums that tie the cells together, until nothing changes; then an audit of all the sums
taken together (see the package docstring)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from case_tracking.domain.statistics import audit


@dataclass(frozen=True, order=True)
class CellKey:
    """A count's identity: its measure, the values of the dimensions it is broken down by (those
    at `all` left out) and, where one is the territory, the level of the hierarchy."""

    measure: str
    values: tuple[tuple[str, str], ...] = ()
    level: int | None = None

    @classmethod
    def of(cls, measure: str, values: Mapping[str, str], level: int | None = None) -> CellKey:
        named = tuple(sorted((name, value) for name, value in values.items() if value != "all"))
        on_territory = any(name == "territory" for name, _ in named)
        return cls(measure, named, level if on_territory else None)


@dataclass(frozen=True, order=True)
class Relation:
    """`total` is the sum of `parts`, as the published tables show."""

    total: CellKey
    parts: tuple[CellKey, ...]

    def holds(self, counts: Mapping[CellKey, int]) -> bool:
        return counts.get(self.total, 0) == sum(counts.get(part, 0) for part in self.parts)


def suppressed_cells(
    counts: Mapping[CellKey, int], relations: Iterable[Relation], threshold: int
) -> frozenset[CellKey]:
    """The cells to withhold: every count from 1 to `threshold - 1`, and the complements that
    keep each of them from being recovered through the sums, alone or taken together."""
    ordered = sorted(set(relations))
    primary = sorted(cell for cell, count in counts.items() if 0 < count < threshold)
    withheld, exposed = set(primary), primary
    while True:
        _complete(withheld, ordered, counts, threshold)
        # Withholding more only widens what a cell could be: a cell found safe stays safe.
        exposed = audit.pinned(exposed, withheld, counts, ordered, threshold)
        widened = [_widen(cell, withheld, counts, ordered) for cell in exposed]
        if not any(widened):
            return frozenset(withheld)


def _complete(
    withheld: set[CellKey], relations: list[Relation], counts: Mapping[CellKey, int], threshold: int
) -> None:
    """Withhold complements sum by sum until no sum gives a withheld cell away by itself."""
    changed = True
    while changed:
        changed = False
        for relation in relations:
            if not _recoverable(relation, withheld, counts, threshold):
                continue
            complement = _complement(relation, withheld, counts)
            if complement is not None:
                withheld.add(complement)
                changed = True


def _widen(
    cell: CellKey, withheld: set[CellKey], counts: Mapping[CellKey, int], relations: list[Relation]
) -> bool:
    """`cell` is held under the threshold by the sums taken together: withhold the smallest
    published non-zero cell of a sum around it, nearest first; False when there is none left."""
    near = {cell}
    for _ in range(len(relations)):
        around = [r for r in relations if near & {r.total, *r.parts}]
        candidates = sorted(
            (counts.get(c, 0), c)
            for r in around
            for c in (*r.parts, r.total)
            if c not in withheld and counts.get(c, 0) > 0
        )
        if candidates:
            withheld.add(candidates[0][1])
            return True
        wider = near | {c for r in around for c in (r.total, *r.parts)}
        if wider == near:
            return False
        near = wider
    return False


def _recoverable(
    relation: Relation, withheld: set[CellKey], counts: Mapping[CellKey, int], threshold: int
) -> bool:
    """Could the withheld cells of this sum be recovered, or held under the threshold, by it?"""
    hidden = [cell for cell in (relation.total, *relation.parts) if cell in withheld]
    if not hidden:
        return False
    if len(hidden) == 1:
        return True
    if relation.total in withheld:
        return False
    # The total is published: the withheld parts' sum is known to anyone, and each of them,
    # the others being at least 1, at most that sum less one for each other.
    known_sum = sum(counts.get(cell, 0) for cell in hidden)
    return known_sum - (len(hidden) - 1) < threshold


def _complement(
    relation: Relation, withheld: set[CellKey], counts: Mapping[CellKey, int]
) -> CellKey | None:
    """The smallest published non-zero part of the sum, else its total if that is one."""
    candidates = [
        (counts.get(cell, 0), cell)
        for cell in relation.parts
        if cell not in withheld and counts.get(cell, 0) > 0
    ]
    if candidates:
        return min(candidates)[1]
    if relation.total not in withheld and counts.get(relation.total, 0) > 0:
        return relation.total
    return None
