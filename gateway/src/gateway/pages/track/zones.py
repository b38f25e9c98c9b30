"""The time zone a case's times are told in: its lead institution's, as routing's directory says.

The directory changes seldom, so the zones of every institution are read once and kept for a few
minutes per routing client; a case page then costs no call inward for them. When routing does
not answer, times are told in UTC, and the page says so.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Final
from weakref import WeakKeyDictionary

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseView
from nowrongdoor.contracts.http import ServiceUnavailable
from nowrongdoor.contracts.routing import RoutingClient

KEPT_SECONDS: Final = 300.0
_kept: WeakKeyDictionary[RoutingClient, tuple[float, Mapping[str, str | None]]] = (
    WeakKeyDictionary()
)


async def institution_zones(routing: RoutingClient) -> Mapping[str, str | None]:
    """Each institution's IANA zone by id, read at most once every `KEPT_SECONDS`."""
    now = time.monotonic()
    kept = _kept.get(routing)
    if kept is not None and now - kept[0] < KEPT_SECONDS:
        return kept[1]
    institutions = await routing.institutions(Principal.public(), "en")
    zones = {i.institution_id: i.time_zone for i in institutions}
    _kept[routing] = (now, zones)
    return zones


async def case_zone(routing: RoutingClient, case: CaseView) -> str | None:
    """The zone of the institution leading `case`, or of the first taking part; None when no
    institution has it yet or routing does not answer."""
    lead = next((i for i in case.institutions if i.role == "lead"), None)
    lead = lead or next(iter(case.institutions), None)
    if lead is None:
        return None
    try:
        zones = await institution_zones(routing)
    except ServiceUnavailable:
        return None
    return zones.get(lead.institution_id)
