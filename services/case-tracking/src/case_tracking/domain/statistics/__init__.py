"""The network's statistics: anonymous facts per case part, a month's tables, and disclosure
control over them. Pure: the caller reads the facts and says which month.

What is counted. Each institution's part of a case is one fact (`facts.CaseFact`): who handled
it (institution, regional office), what it was about (category, type of body, territory, the
channel it came through), the month it was received and the month it ended, its outcome, how
many days each step took from receipt, and for each promised date whether it was kept. A
complaint no participating institution was competent for, which ended in advice only, is one
fact under the institution `none`. No reference, no free text, no date finer than the month
leaves a fact.

The totals over institutions (`all`) are the sums of these facts, like every other total: a
joint case counts once for each institution taking part, in the network's total too, which
therefore counts cases handled by institutions, not complaints. Kept so on purpose: every
total stays the sum of the rows beside it, which readers check and the disclosure control
relies on; a count of complaints beside it would differ from it by the joint cases' extra
parts, one more figure to protect and no clearer.

How small numbers are protected (`disclosure`). Every published count is a cell, named by its
measure, the month, and the value of each dimension it is broken down by (`all` dimensions are
left out of the name). A cell that appears in several tables, an institution's total for
instance, is one cell: it is withheld everywhere or nowhere. The tables tie the cells together
by sums: each total is the sum of its parts, along every margin of every table, across the
levels of the territory hierarchy, offices within their institution, and an institution's
offices to the regions they serve (`tables._office_territories`).

The standard: no withheld count from 1 to the threshold minus one may be narrowed, by anything
published, to values all under the threshold. Knowing that a cell is "between 1 and 4" tells
that a handful of people are behind it; it must remain possible that it is 5 or more.

1. Primary suppression: every count from 1 to the threshold minus one is withheld. A zero is
   published; it points at no one.
2. Complementary suppression: in each sum where something is withheld, someone who knows the
   published cells could recover it if exactly one cell is withheld (by subtraction), or hold
   it under the threshold when the total is published and the withheld parts' known sum, less
   one for each other withheld part, is under it. Then the smallest published non-zero cell of
   that sum is withheld too, a part before the total. Each new withheld cell is checked again
   in every sum it belongs to, until nothing changes.
3. Audit: sums checked one at a time can still hold a cell down together. So all the sums and
   published counts are taken at once as equations, every withheld cell an unknown of at least
   1, and a linear program gives the greatest value each small count could take (`audit`). If
   it is under the threshold, the smallest published non-zero cell of a sum around it is
   withheld too (widening to the sums around those when none is left), step 2 runs again, and
   so on until every small count could be the threshold or more.

A month is published once, a day after it has ended (`facts.GRACE`, for the events still in flight
at midnight), and never revised (`service.statistics`): two readings of a changing month would
differ by exactly the cells of the cases in between. Of the running month only one figure is
published (`running_figure`): the complaints the whole network received so far, with no breakdown
at all, rounded down to a multiple of the threshold. Its readings differ only when complaints
arrive, and tell nothing of what they were about, where, or who took them.

Times to acknowledge, to decide admissibility and to close are published with the number of
cases measured, which is a cell like any other; a withheld number withholds its times too. The
median and the 90th percentile are published only from `MIN_TIMED_CASES` (10) cases or more,
in whole days: from fewer, each is nearly one person's own duration.
The share of promised dates kept is published with the promises due; kept and missed are cells
as well, so a share that would reveal a small number of kept or missed dates is withheld.
"""

from case_tracking.domain.statistics.disclosure import CellKey, Relation, suppressed_cells
from case_tracking.domain.statistics.facts import (
    GRACE,
    NONE,
    CaseFact,
    KeptPromise,
    days_between,
    first_unpublished,
    month_of,
    month_start,
    running_figure,
    territory_path,
)
from case_tracking.domain.statistics.tables import months_with_figures, published

__all__ = [
    "GRACE",
    "NONE",
    "CaseFact",
    "CellKey",
    "KeptPromise",
    "Relation",
    "days_between",
    "first_unpublished",
    "month_of",
    "month_start",
    "months_with_figures",
    "published",
    "running_figure",
    "suppressed_cells",
    "territory_path",
]
