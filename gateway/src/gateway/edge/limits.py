"""Abuse limits at the edge: request rates, anonymous submissions and request body size.

Rates are counted in Redis per caller and per route template with the generic cell rate
algorithm (GCRA): one timestamp per bucket, expiring by itself once the bucket is full again.
An authenticated API client is its own caller. An anonymous caller is a keyed hash of its network
address (its /64 for IPv6), under a key derived per day from the gateway secret: Redis never
holds an address, and one day's buckets cannot be matched with the next day's.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import FastAPI
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.edge.authentication import context_of
from gateway.edge.limit_settings import LimitSettings, Rate
from gateway.edge.receipt_guard import ReceiptGuard
from gateway.settings import GatewaySettings
from nowrongdoor.access import AnsweredStatus
from nowrongdoor.problems import problem_response

log = logging.getLogger(__name__)

Identify = Callable[[Scope], str | None]
"""The client id of a request from an authenticated API client, None for the anonymous public."""

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})
# The pages' stylesheet, script and icon: every page load asks for them, and they cost nothing.
UNLIMITED_PREFIXES = ("/static/",)
# One complaint filed, through the API or the web form alike.
SUBMISSION_ROUTES = frozenset(
    {("POST", "/v1/complaints"), ("POST", "/{language:lang}/submit/send")}
)
# The routes whose body may carry files (the API's message and application for accreditation,
# the pages' reply and complaint): a larger size limit.
ATTACHMENT_ROUTE = re.compile(
    r"/v1/cases/[^/]+/messages/?|/v1/accreditations/?|/(ar|fr|en|nl|de)/(track/reply|submit/send)"
)
DAY_SECONDS = 86400

# Admits a request only if every bucket has room, then charges them all; else the wait in ms.
_ADMIT = """
local now = tonumber(ARGV[1])
local wait = 0
local next_tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local next_tat = tat + interval
  if next_tat - burst > now then
    wait = math.max(wait, next_tat - burst - now)
  end
  next_tats[i] = next_tat
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, next_tats[i], 'PX', next_tats[i] - now)
end
return 0
"""

# Gives back one request's charge, for a submission that was refused.
_REFUND = """
local now = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat then return 0 end
local refunded = tat - tonumber(ARGV[2])
if refunded > now then
  redis.call('SET', KEYS[1], refunded, 'PX', refunded - now)
else
  redis.call('DEL', KEYS[1])
end
return 1
"""


@dataclass(frozen=True)
class Admission:
    """What the limiter decided for one request."""

    retry_after: int | None = None
    submission_key: str | None = None
    submission_rate: Rate | None = None
    detail: str = ""


class RateLimiter:
    """Charges requests against the buckets of their caller in Redis."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str,
        secret: bytes,
        settings: LimitSettings,
        identify: Identify,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.identify = identify
        self.clock = clock
        self._secret = secret
        self._client_key = hmac.digest(secret, b"nowrongdoor rate limits: clients", hashlib.sha256)
        self._day_keys: dict[int, bytes] = {}
        self._per_client = settings.per_client
        self._public_paths = settings.public_paths
        self._submissions = settings.anonymous_submissions
        self._admit = redis.register_script(_ADMIT)
        self._refund = redis.register_script(_REFUND)

    def bucket(self, scope: Scope) -> tuple[str, bool]:
        """The caller's bucket name, and whether the caller is anonymous."""
        client_id = self.identify(scope)
        if client_id is not None:
            return "c" + _keyed_hash(self._client_key, client_id), False
        return "a" + _keyed_hash(self._day_key(), network_of(scope)), True

    def _day_key(self) -> bytes:
        day = int(self.clock() // DAY_SECONDS)
        key = self._day_keys.get(day)
        if key is None:
            # Only today's key is kept: no bucket is ever looked up under another day's key.
            key = hmac.digest(
                self._secret, f"nowrongdoor anonymous day {day}".encode(), hashlib.sha256
            )
            self._day_keys = {day: key}
        return key

    async def admit(self, scope: Scope, route: str) -> Admission:
        """Charge the caller's bucket for this method and path."""
        bucket, anonymous = self.bucket(scope)
        rate = self._public_paths if anonymous else self._per_client
        key = f"{self.prefix}rate:{bucket}:{scope['method']} {route}"
        wait_ms = await self._charge(key, rate)
        if wait_ms > 0:
            return Admission(retry_after=_seconds(wait_ms), detail=_too_many(False, wait_ms))
        return Admission()

    async def admit_submission(self, scope: Scope, route: str) -> Admission:
        """Charge an anonymous caller's complaint bucket; everything else passes free."""
        bucket, anonymous = self.bucket(scope)
        if not anonymous or (scope["method"], route) not in SUBMISSION_ROUTES:
            return Admission()
        key = f"{self.prefix}submissions:{bucket}"
        wait_ms = await self._charge(key, self._submissions)
        if wait_ms > 0:
            return Admission(retry_after=_seconds(wait_ms), detail=_too_many(True, wait_ms))
        return Admission(submission_key=key, submission_rate=self._submissions)

    async def _charge(self, key: str, rate: Rate) -> int:
        """Milliseconds to wait before the bucket admits a request; 0 when it admitted this one."""
        now_ms = int(self.clock() * 1000)
        return int(
            await self._admit(
                keys=[key], args=[now_ms, rate.interval_ms, rate.period_seconds * 1000]
            )
        )

    async def refund(self, key: str, rate: Rate) -> None:
        await self._refund(keys=[key], args=[int(self.clock() * 1000), rate.interval_ms])


def _seconds(wait_ms: int) -> int:
    return max(1, -(-wait_ms // 1000))


def _too_many(submitting: bool, wait_ms: int) -> str:
    seconds = _seconds(wait_ms)
    if submitting:
        return (
            "Many complaints were filed from this network in a short time; "
            f"try again in {seconds} seconds."
        )
    return f"Too many requests; try again in {seconds} seconds."


def _keyed_hash(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:24]


def network_of(scope: Scope) -> str:
    """The caller's address, widened to the /64 an IPv6 subscriber can pick addresses from."""
    client = scope.get("client")
    host = str(client[0]) if client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def edge_identity(scope: Scope) -> str | None:
    """The API client the edge authenticated for this request; None for anybody else."""
    return context_of(scope).api_client_id


class _Limited:
    """What both limit middlewares share: which requests they look at, and the 429 answer."""

    def __init__(self, app: ASGIApp, *, gateway: FastAPI, settings: LimitSettings) -> None:
        self.app = app
        self.gateway = gateway
        self.settings = settings

    def applies(self, scope: Scope) -> bool:
        return (
            scope["type"] == "http"
            and self.settings.rate_limits
            and scope["path"] not in UNLIMITED_PATHS
            and not scope["path"].startswith(UNLIMITED_PREFIXES)
        )

    async def admission(
        self, scope: Scope, admit: Callable[[Scope, str], Awaitable[Admission]]
    ) -> Admission:
        try:
            return await admit(scope, context_of(scope).route)
        except RedisError as error:
            # Limits protect the service; losing Redis must not take the service down with it.
            log.warning("rate limits unavailable", extra={"error": type(error).__name__})
            return Admission()


async def _refuse(admission: Admission, scope: Scope, receive: Receive, send: Send) -> None:
    headers = {"Retry-After": str(admission.retry_after)}
    await problem_response(429, detail=admission.detail, headers=headers)(scope, receive, send)


class RateLimits(_Limited):
    """ASGI middleware: answers 429 with Retry-After once a caller's bucket is empty."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.applies(scope):
            await self.app(scope, receive, send)
            return
        limiter: RateLimiter = self.gateway.state.rate_limiter
        admission = await self.admission(scope, limiter.admit)
        if admission.retry_after is not None:
            await _refuse(admission, scope, receive, send)
            return
        await self.app(scope, receive, send)


class SubmissionLimits(_Limited):
    """ASGI middleware: counts the complaints an anonymous network files, and only those filed.

    It sits inside the idempotency middleware, so a retry answered again never reaches it; a
    refusal or failure gives its charge back.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.applies(scope):
            await self.app(scope, receive, send)
            return
        limiter: RateLimiter = self.gateway.state.rate_limiter
        admission = await self.admission(scope, limiter.admit_submission)
        if admission.retry_after is not None:
            await _refuse(admission, scope, receive, send)
            return
        if admission.submission_key is None or admission.submission_rate is None:
            await self.app(scope, receive, send)
            return
        answered = AnsweredStatus(send)
        try:
            await self.app(scope, receive, answered)
        finally:
            if not 200 <= answered.code < 300:
                await _refund_quietly(limiter, admission.submission_key, admission.submission_rate)


async def _refund_quietly(limiter: RateLimiter, key: str, rate: Rate) -> None:
    try:
        await limiter.refund(key, rate)
    except RedisError as error:
        log.warning("rate limits unavailable", extra={"error": type(error).__name__})


class RequestTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body is larger than the {max_bytes} bytes accepted.")


def _declared_length(scope: Scope) -> str:
    """The request's `Content-Length`, as sent; empty when it sends none, as a read does (a
    plain scan: `Headers.get` raises and catches a `KeyError` for every request without one)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return str(value.decode("latin-1"))
    return ""


class BodySizeLimit:
    """ASGI middleware: 413 for a body over the limit, counted as it streams in. A message,
    which may carry files, has its own limit."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, max_attachment_bytes: int | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_attachment_bytes = max_attachment_bytes or max_bytes

    def limit_for(self, scope: Scope) -> int:
        if scope.get("method") == "POST" and ATTACHMENT_ROUTE.fullmatch(scope.get("path", "")):
            return self.max_attachment_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope)
        declared = _declared_length(scope)
        if declared.isdigit() and int(declared) > max_bytes:
            await self._too_large(scope, receive, send, max_bytes)
            return
        received = 0
        exceeded = started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    exceeded = True
                    raise RequestTooLarge(max_bytes)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            # Whatever the app made of the interrupted body, the caller is told it was too large.
            if exceeded:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._too_large(scope, receive, send, max_bytes)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except RequestTooLarge:
            if not started:
                await self._too_large(scope, receive, send, max_bytes)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        detail = RequestTooLarge(max_bytes).detail
        await problem_response(413, detail=detail)(scope, receive, send)


@dataclass
class Limits:
    """One gateway's limits: the settings, and the clock, sleep and caller identity they use."""

    settings: LimitSettings = field(default_factory=LimitSettings)
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    identify: Identify | None = None

    def install_submission_limit(self, app: FastAPI) -> None:
        """Add the complaint counter; call before the idempotency middleware, so it sits inside."""
        app.add_middleware(SubmissionLimits, gateway=app, settings=self.settings)

    def install(self, app: FastAPI) -> None:
        """Add the middlewares; call before the ones that must also see 413 and 429 answers."""
        app.add_middleware(
            BodySizeLimit,
            max_bytes=self.settings.max_body_bytes,
            max_attachment_bytes=self.settings.max_attachment_body_bytes,
        )
        app.add_middleware(RateLimits, gateway=app, settings=self.settings)

    def rate_limiter(self, redis: Redis, settings: GatewaySettings) -> RateLimiter:
        identify = self.identify or edge_identity
        return RateLimiter(
            redis,
            prefix=settings.redis_prefix,
            secret=settings.resolved_secret_key(),
            settings=self.settings,
            identify=identify,
            clock=self.clock,
        )

    def receipt_guard(self, redis: Redis, settings: GatewaySettings) -> ReceiptGuard:
        return ReceiptGuard(
            redis,
            prefix=settings.redis_prefix,
            secret=settings.resolved_secret_key(),
            settings=self.settings,
            clock=self.clock,
            sleep=self.sleep,
        )
