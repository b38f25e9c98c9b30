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

A complainant's read of their case costs the edge a look at their case session in Redis, and
`CachedCaseReads` a look at the cache: `SessionComplainants` makes them one, when the edge finds
the session, and leaves what the cache holds in the request for `CachedCaseReads`.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from gateway.pages.sessions import TrackingSessions
from gateway.tracking import CaseReads
from gateway.tracking.cache import KeptAnswer
from nowrongdoor.access import ROUTE_TEMPLATE
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.vocabulary import Language

READ_ROUTE: Final = "/v1/cases/{reference}"
LIST_ROUTE: Final = "/v1/cases"
_READ: Final = "nowrongdoor.tracking.read"
_LOOKED: Final = "nowrongdoor.tracking.looked"


@dataclass(frozen=True)
class CaseRead:
    """A read of one case that the cache may answer: its reference, and the language its
    timeline is asked in."""

    reference: str
    language: Language | None


@dataclass(frozen=True)
class Looked:
    """What the cache held for a complainant's read, looked up with their case session."""

    read: CaseRead
    kept: KeptAnswer | None


class SessionComplainants:
    """Whom a case session's token stands for, as the edge asks; on a read of that case which the
    cache may answer, found in one trip to Redis with the answer the cache holds."""

    def __init__(self, sessions: TrackingSessions, reads: CaseReads) -> None:
        self.sessions = sessions
        self.reads = reads

    async def complainant_of(self, scope: Scope, token: str) -> Principal | None:
        read = _cached_read(scope)
        session = self.sessions.key_of(token)
        if read is None or session is None:
            return await self.sessions.complainant_of(token)
        found = await self.reads.kept_with_session(
            session, self.sessions.idle_seconds, read.reference, read.language
        )
        if found is None:
            return await self.sessions.complainant_of(token)
        held, kept = found
        if held is None:
            return None
        if held == read.reference:
            scope[_LOOKED] = Looked(read, kept)
        return Principal.public().holding_receipt_for(held)


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
        read = _cached_read(scope)
        if caller is None or read is None or not reads_without_checks(caller, read.reference):
            return None
        looked = scope.get(_LOOKED)
        if isinstance(looked, Looked) and looked.read == read:
            seen = looked.kept
        else:
            reads: CaseReads = self.gateway.state.case_reads
            seen = await reads.kept(caller, read.reference, read.language)
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


def _cached_read(scope: Scope) -> CaseRead | None:
    """The case a GET of `READ_ROUTE` reads, in the language it asks, when the route takes its
    query as it is; None for any other request. Worked out once per request."""
    if scope["method"] != "GET" or scope.get(ROUTE_TEMPLATE) != READ_ROUTE:
        return None
    if _READ in scope:
        read: CaseRead | None = scope[_READ]
        return read
    taken, asked = _asked_language(scope)
    read = None
    if taken:
        language = asked or preferred_language(Headers(scope=scope).get("accept-language"))
        read = CaseRead(reference=scope["path"].rpartition("/")[2], language=language)
    scope[_READ] = read
    return read


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
