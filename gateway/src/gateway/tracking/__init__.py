"""Reading a case through the tracking cache: an answer case tracking gave is given again until
the case changes, without asking it (`cache`); events keep the cache true (`invalidation`)."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from gateway.tracking.cache import KeptAnswer, Lookup, TrackingCache, reader_of
from gateway.tracking.invalidation import Invalidation
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CasesClient
from nowrongdoor.contracts.vocabulary import Language
from nowrongdoor.metrics import TRACKING_CACHE_READS

log = logging.getLogger(__name__)


class CaseReads:
    """Cases as each reader may see them: from the cache while events keep it true, else from
    case tracking, keeping what it says may be given again."""

    def __init__(self, cache: TrackingCache | None, invalidation: Invalidation | None) -> None:
        self.cache = cache
        self.invalidation = invalidation

    async def answer(
        self, cases: CasesClient, caller: Principal, reference: str
    ) -> KeptAnswer | None:
        """The case's JSON and entity tag as `caller` may see it; None when there is none for
        them. `cases` reads in the language asked for."""
        cache = self._in_use()
        seen: Lookup | None = None
        reader = ""
        if cache is None:
            TRACKING_CACHE_READS.labels("off").inc()
        else:
            reader = reader_of(caller, cases.language)
            seen = await self._look(cache, reference, reader)
            if seen is not None and seen.kept is not None:
                TRACKING_CACHE_READS.labels("hit").inc()
                return seen.kept
            TRACKING_CACHE_READS.labels("miss").inc()
        answer = await cases.case_answer(caller, reference)
        if answer is None:
            return None
        kept = KeptAnswer(body=answer.body, etag=answer.etag)
        if cache is not None and seen is not None and answer.reusable_seconds:
            try:
                await cache.keep(reference, reader, seen, kept, answer.reusable_seconds)
            except RedisError as error:
                log.warning(
                    "tracking cache could not keep an answer", extra={"error": type(error).__name__}
                )
        return kept

    async def kept(
        self, caller: Principal, reference: str, language: Language | None
    ) -> KeptAnswer | None:
        """The answer the cache holds for `caller` with the timeline in `language`, counted as a
        hit; None when it holds none or is off, for the caller to `answer` instead."""
        cache = self._in_use()
        if cache is None:
            return None
        seen = await self._look(cache, reference, reader_of(caller, language))
        if seen is None or seen.kept is None:
            return None
        TRACKING_CACHE_READS.labels("hit").inc()
        return seen.kept

    def _in_use(self) -> TrackingCache | None:
        """The cache while events keep it true; None while it is off or not following them."""
        if self.invalidation is None or not self.invalidation.live:
            return None
        return self.cache

    @staticmethod
    async def _look(cache: TrackingCache, reference: str, reader: str) -> Lookup | None:
        try:
            return await cache.look(reference, reader)
        except RedisError as error:
            log.warning("tracking cache could not be read", extra={"error": type(error).__name__})
            return None
