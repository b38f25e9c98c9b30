"""A read of one case that the tracking cache holds, answered before FastAPI routes it.

The read is the API's most frequent call, and once the cache holds the answer most of its cost
is the framework's: matching the route again, resolving its dependencies, checking its
parameters. `CachedCaseReads` gives the answer `follow_case` would give, from the same cache,
for the readers that route lets in with nothing more to check (`reads_without_checks`).
Everything else goes on to the route: an answer the cache does not hold, a receipt to check, a
caller or a query the route would refuse.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api.cases.reading import case_answer, reads_without_checks
from gateway.edge.authentication import context_of
from gateway.languages import LANGUAGES, preferred_language
from gateway.tracking import CaseReads
from nowrongdoor.contracts.vocabulary import Language
from nowrongdoor.telemetry import ROUTE_TEMPLATE

READ_ROUTE: Final = "/v1/cases/{reference}"


class CachedCaseReads:
    """ASGI middleware, innermost of the edge: the route's answer to a cached read."""

    def __init__(self, app: ASGIApp, *, gateway: FastAPI) -> None:
        self.app = app
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope.get(ROUTE_TEMPLATE) == READ_ROUTE
        ):
            answer = await self._from_cache(scope)
            if answer is not None:
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _from_cache(self, scope: Scope) -> Response | None:
        context = context_of(scope)
        caller = context.principal
        if caller is None or context.refusal is not None or not context.matched:
            return None
        reference = scope["path"].rpartition("/")[2]
        if not reads_without_checks(caller, reference):
            return None
        taken, asked = _asked_language(scope)
        if not taken:
            return None
        language = asked or preferred_language(Headers(scope=scope).get("accept-language"))
        reads: CaseReads = self.gateway.state.case_reads
        seen = await reads.kept(caller, reference, language)
        return case_answer(seen, caller) if seen is not None else None


def _asked_language(scope: Scope) -> tuple[bool, Language | None]:
    """Whether the route takes the query as it is (none, or a language it speaks, once), and the
    language it asks for; any other query is for the route to answer."""
    query = scope.get("query_string", b"")
    if not query:
        return True, None
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    if len(pairs) != 1 or pairs[0][0] != "language":
        return False, None
    asked = pairs[0][1]
    for language in LANGUAGES:
        if asked == language:
            return True, language
    return False, None
