"""The network's statistics, published: the API's tables, the downloads, the data dictionary and
the DCAT-AP catalogue, public to everyone.

Case-tracking computes each month's figures under disclosure control, and the running month's one
figure; the gateway only reshapes
and labels them. It never adds them up, recomputes or re-suppresses anything.
"""

from __future__ import annotations

from fastapi import APIRouter

from gateway.api.statistics import catalogue, dictionary, downloads, index, running, tables
from gateway.api.statistics.publication import PREFIX

router = APIRouter(tags=["statistics"])
for routes in (
    index.router,
    tables.router,
    running.router,
    downloads.router,
    dictionary.router,
    catalogue.router,
):
    router.include_router(routes, prefix=PREFIX)
