"""A read of one case, or a page of an institution's list, that the tracking cache holds,
answered before FastAPI routes it.

They are the API's most frequent calls, and once the cache holds the answer most of their cost
is the framework's: matching the route again, resolving its dependencies, checking its
parameters. `CachedCaseReads` gives the answer `follow_case` or `list_own_cases` would give,
from the same cache, for the readers those routes let in with nothing more to check
(`reads_without_checks`, `lists_without_checks`). Everything else goes on to the route: an
answer the cache does not hold, a receipt to check, a caller or a query the route would refuse.
A page is kept under the query string that asked for it, which the route checked before it was
kept: the same string asks for the same page.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api.cases.reading import (
    case_answer,
    list_query,
    lists_without_checks,
    page_answer,
    reads_without_checks,
)
from gateway.edge.authentication import context_of
from gateway.languages import LANGUAGES, preferred_language
from gateway.tracking import CaseReads
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.vocabulary import Language
from nowrongdoor.telemetry import ROUTE_TEMPLATE

READ_ROUTE: Final = "/v1/cases/{reference}"
LIST_ROUTE: Final = "/v1/cases"


class CachedCaseReads:
    """ASGI middleware, innermost of the edge: the route's answer to a cached read or list."""

    def __init__(self, app: ASGIApp, *, gateway: FastAPI) -> None:
        self.app = app
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            route = scope.get(ROUTE_TEMPLATE)
            answer = None
            if route == READ_ROUTE:
                answer = await self._case_from_cache(scope)
            elif route == LIST_ROUTE:
                answer = await self._page_from_cache(scope)
            if answer is not None:
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _case_from_cache(self, scope: Scope) -> Response | None:
        caller = _settled_caller(scope)
        if caller is None:
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

    async def _page_from_cache(self, scope: Scope) -> Response | None:
        caller = _settled_caller(scope)
        if caller is None or not lists_without_checks(caller):
            return None
        reads: CaseReads = self.gateway.state.case_reads
        seen = await reads.kept_page(caller, list_query(scope))
        return page_answer(seen) if seen is not None else None


def _settled_caller(scope: Scope) -> Principal | None:
    """The caller the edge let through to a route it matched; None when it refused them."""
    context = context_of(scope)
    if context.refusal is not None or not context.matched:
        return None
    return context.principal


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
