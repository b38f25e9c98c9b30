"""Case tracking's internal HTTP API, called by the gateway only, for a verified principal."""

from __future__ import annotations

from case_tracking.api import cases, joining, messages, requests, statistics, triage

routers = [
    cases.router,
    joining.router,
    messages.router,
    requests.router,
    statistics.router,
    triage.router,
]
