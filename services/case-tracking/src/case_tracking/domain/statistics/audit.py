"""Whether the published cells, through all the sums at once, narrow a withheld small cell.

Anyone holding the tables knows each sum and each published count, and that a withheld cell is
at least 1 (zeros are published). The greatest value a withheld cell can take under those
equations is a linear program. A small cell is protected only when it could be as large as the
threshold: were its greatest value under it, anyone would know it for a small count — one to
four people — even without knowing which.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from case_tracking.domain.statistics.disclosure import CellKey, Relation

_SLACK = 1e-6


def pinned(
    cells: Sequence[CellKey],
    withheld: set[CellKey],
    counts: Mapping[CellKey, int],
    relations: Sequence[Relation],
    threshold: int,
) -> list[CellKey]:
    """Those of `cells` the published cells and the sums hold under `threshold`."""
    # Loaded on the first audit, so a process that never publishes never pays for them.
    import numpy as np
    from scipy import sparse  # type: ignore[import-untyped]
    from scipy.optimize import linprog  # type: ignore[import-untyped]

    unknowns = sorted(withheld)
    index = {c: i for i, c in enumerate(unknowns)}
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    constants: list[float] = []
    for relation in relations:
        members = [(relation.total, -1.0)] + [(part, 1.0) for part in relation.parts]
        if not any(member in index for member, _ in members):
            continue
        constant = 0.0
        for member, sign in members:
            if member in index:
                rows.append(len(constants))
                columns.append(index[member])
                values.append(sign)
            else:
                constant -= sign * counts.get(member, 0)
        constants.append(constant)
    if not constants:
        return []
    system = sparse.csr_array((values, (rows, columns)), shape=(len(constants), len(unknowns)))
    bounds = [(1, None)] * len(unknowns)
    found = []
    for cell in cells:
        objective = np.zeros(len(unknowns))
        objective[index[cell]] = -1
        highest = linprog(objective, A_eq=system, b_eq=constants, bounds=bounds, method="highs")
        # Unbounded (3): nothing holds it down. Infeasible cannot be: the true counts fit.
        if highest.status == 0 and -highest.fun < threshold - _SLACK:
            found.append(cell)
    return found
