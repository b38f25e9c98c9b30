"""Reading a case, or a page of an institution's list, through the tracking cache: an answer case
tracking gave is given again until a case changes, without asking it (`cache`); events keep the
cache true (`invalidation`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from gateway.tracking.cache import (
    KeptAnswer,
    Lookup,
    Place,
    TrackingCache,
    complainant_reader,
    reader_of,
)
from gateway.tracking.invalidation import Invalidation
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseFilters, CasesClient
from nowrongdoor.contracts.vocabulary import Language
from nowrongdoor.metrics import TRACKING_CACHE_READS

log = logging.getLogger(__name__)

# The cache's reads by outcome; a series found by its label once rather than on every read.
HITS, MISSES, OFFS = (TRACKING_CACHE_READS.labels(outcome) for outcome in ("hit", "miss", "off"))

Asked = tuple[KeptAnswer, int | None]
"""What case tracking answered, and for how many seconds it may be given again (None: not)."""


class CaseReads:
    """Cases, and pages of institutions' lists, as each reader may see them: from the cache
    while events keep it true, else from case tracking, keeping what it says may be given
    again."""

    def __init__(self, cache: TrackingCache | None, invalidation: Invalidation | None) -> None:
        self.cache = cache
        self.invalidation = invalidation

    async def answer(
        self, cases: CasesClient, caller: Principal, reference: str
    ) -> KeptAnswer | None:
        """The case's JSON and entity tag as `caller` may see it; None when there is none for
        them. `cases` reads in the language asked for."""

        async def ask() -> Asked | None:
            answer = await cases.case_answer(caller, reference)
            if answer is None:
                return None
            return KeptAnswer(body=answer.body, etag=answer.etag), answer.reusable_seconds

        return await self._read(
            lambda cache: cache.case(reference), reader_of(caller, cases.language), ask
        )

    async def page(
        self,
        cases: CasesClient,
        caller: Principal,
        query: str,
        *,
        limit: int,
        cursor: str | None,
        filters: CaseFilters,
    ) -> KeptAnswer:
        """A page of the list of `caller`'s institution's cases, as JSON; `query` is the query
        string that asked for `limit`, `cursor` and `filters`, which names the page."""
        institution_id = caller.institution_id
        assert institution_id is not None, "institution and NGO clients name theirs"

        async def ask() -> Asked:
            answer = await cases.institution_cases_answer(
                caller, institution_id, limit=limit, cursor=cursor, filters=filters
            )
            return KeptAnswer(body=answer.body, etag=""), answer.reusable_seconds

        read = await self._read(
            lambda cache: cache.page(institution_id, query), reader_of(caller, None), ask
        )
        assert read is not None, "a list always has a page"
        return read

    async def kept(
        self, caller: Principal, reference: str, language: Language | None
    ) -> KeptAnswer | None:
        """The answer the cache holds for `caller` with the timeline in `language`, counted as a
        hit; None when it holds none or is off, for the caller to `answer` instead."""
        return await self._kept(lambda cache: cache.case(reference), reader_of(caller, language))

    async def kept_with_session(
        self, session: str, idle_seconds: int, reference: str, language: Language | None
    ) -> tuple[str | None, KeptAnswer | None] | None:
        """In one trip to Redis: the reference the complainant's case session holds (`session`
        is its key, its idle time started again), and, when that is `reference`, the answer the
        cache holds for them with the timeline in `language`, counted as a hit. None when the
        cache is off or cannot be read, for the caller to look up the session alone."""
        cache = self._in_use()
        if cache is None:
            return None
        reader = complainant_reader(language)
        try:
            held, seen = await cache.look_with_session(session, idle_seconds, reference, reader)
        except RedisError as error:
            log.warning("tracking cache could not be read", extra={"error": type(error).__name__})
            return None
        kept = seen.kept if seen is not None else None
        if kept is not None:
            HITS.inc()
        return held, kept

    async def kept_page(self, caller: Principal, query: str) -> KeptAnswer | None:
        """The page of `caller`'s institution's list the cache holds for `query`, counted as a
        hit; None when it holds none or is off, for the caller to ask for the `page` instead."""
        if caller.institution_id is None:
            return None
        institution_id = caller.institution_id
        return await self._kept(
            lambda cache: cache.page(institution_id, query), reader_of(caller, None)
        )

    async def _read(
        self,
        where: Callable[[TrackingCache], Place],
        reader: str,
        ask: Callable[[], Awaitable[Asked | None]],
    ) -> KeptAnswer | None:
        """The answer kept at `where` for `reader`, else case tracking's (`ask`), kept for as
        long as it says."""
        cache = self._in_use()
        if cache is None:
            OFFS.inc()
            asked = await ask()
            return asked[0] if asked is not None else None
        place = where(cache)
        seen = await self._look(cache, place, reader)
        if seen is not None and seen.kept is not None:
            HITS.inc()
            return seen.kept
        MISSES.inc()
        asked = await ask()
        if asked is None:
            return None
        kept, seconds = asked
        if seen is not None and seconds:
            try:
                await cache.keep(place, reader, seen, kept, seconds)
            except RedisError as error:
                log.warning(
                    "tracking cache could not keep an answer", extra={"error": type(error).__name__}
                )
        return kept

    async def _kept(
        self, where: Callable[[TrackingCache], Place], reader: str
    ) -> KeptAnswer | None:
        cache = self._in_use()
        if cache is None:
            return None
        seen = await self._look(cache, where(cache), reader)
        if seen is None or seen.kept is None:
            return None
        HITS.inc()
        return seen.kept

    def _in_use(self) -> TrackingCache | None:
        """The cache while events keep it true; None while it is off or not following them."""
        if self.invalidation is None or not self.invalidation.live:
            return None
        return self.cache

    @staticmethod
    async def _look(cache: TrackingCache, place: Place, reader: str) -> Lookup | None:
        try:
            return await cache.look(place, reader)
        except RedisError as error:
            log.warning("tracking cache could not be read", extra={"error": type(error).__name__})
            return None
