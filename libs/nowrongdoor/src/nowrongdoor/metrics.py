"""Prometheus metrics: what each service is doing, never for whom.

Every series is declared here, once, so that the alerts and the dashboard under
`deploy/k8s/components/monitoring` can be checked against the names that exist. Label values
come from closed sets — a route template, an event type, a durable consumer, a channel, a
status — and never from a reference, an address or anything a person wrote.

Counters move as things happen. Gauges that describe stored state (the outbox, the consumers'
lag, cases by status) are sampled when Prometheus scrapes `/metrics`, by the samplers each
service registers, so a scrape always sees the present.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

log = logging.getLogger(__name__)

# Requests, by route template; `status` is the numeric HTTP status.
HTTP_REQUESTS = Counter(
    "nwd_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "nwd_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# The bus.
EVENTS_PUBLISHED = Counter(
    "nwd_events_published", "Events published to JetStream and acknowledged", ["type"]
)
EVENTS_CONSUMED = Counter(
    "nwd_events_consumed",
    "Events a durable consumer handled: processed, retried later or dead-lettered",
    ["consumer", "type", "outcome"],
)
DEAD_LETTERED = Counter(
    "nwd_dead_letters",
    "Events a consumer gave up on and moved to the dead-letter stream",
    ["consumer"],
)
CONSUMER_PENDING = Gauge(
    "nwd_consumer_pending_messages",
    "Messages in the stream that a durable consumer has not been given yet (its lag)",
    ["consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "nwd_consumer_ack_pending_messages",
    "Messages given to a durable consumer and not yet acknowledged",
    ["consumer"],
)
DEAD_LETTERS_WAITING = Gauge(
    "nwd_dead_letter_messages", "Messages waiting in the dead-letter stream"
)
JETSTREAM_STORAGE_USED = Gauge(
    "nwd_jetstream_storage_used_bytes", "File storage the account's streams use on the server"
)
JETSTREAM_STORAGE_LIMIT = Gauge(
    "nwd_jetstream_storage_limit_bytes",
    "File storage the server allows the account (0 when the account has no limit of its own)",
)

# The transactional outbox of this service's database.
OUTBOX_BACKLOG = Gauge("nwd_outbox_backlog_messages", "Outbox rows not yet published")
OUTBOX_OLDEST_AGE = Gauge(
    "nwd_outbox_oldest_age_seconds", "Age of the oldest outbox row not yet published"
)

# Notifications.
DELIVERIES = Counter(
    "nwd_deliveries",
    "Notification delivery attempts by channel: sent or failed",
    ["channel", "outcome"],
)
DELIVERIES_WAITING = Gauge(
    "nwd_deliveries_waiting",
    "Notification deliveries not sent yet by channel: in their merge window, between tries, "
    "or being sent",
    ["channel"],
)

# Cases.
CASES = Gauge("nwd_cases", "Cases by status", ["status"])
CASES_OVERDUE = Gauge("nwd_cases_overdue", "Open cases past a promised date")

# The citizen's receipt.
RECEIPT_LOCKOUTS = Counter(
    "nwd_receipt_lockouts", "Times a reference was locked after too many wrong receipts"
)
TRACKING_CACHE_READS = Counter(
    "nwd_tracking_cache_reads",
    "Case reads and list pages the gateway answered from its tracking cache (hit), by asking "
    "case tracking (miss), or with the cache off",
    ["outcome"],
)

CATALOGUE: tuple[str, ...] = (
    "nwd_http_requests_total",
    "nwd_http_request_duration_seconds",
    "nwd_events_published_total",
    "nwd_events_consumed_total",
    "nwd_dead_letters_total",
    "nwd_consumer_pending_messages",
    "nwd_consumer_ack_pending_messages",
    "nwd_dead_letter_messages",
    "nwd_jetstream_storage_used_bytes",
    "nwd_jetstream_storage_limit_bytes",
    "nwd_outbox_backlog_messages",
    "nwd_outbox_oldest_age_seconds",
    "nwd_deliveries_total",
    "nwd_deliveries_waiting",
    "nwd_cases",
    "nwd_cases_overdue",
    "nwd_receipt_lockouts_total",
    "nwd_tracking_cache_reads_total",
)
"""The series names as a scrape shows them (counters end in `_total`)."""

Sampler = Callable[[], Awaitable[None]]
"""Brings a gauge up to date from stored state; run on every scrape."""

SAMPLE_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class MetricsEndpoint:
    """`/metrics`, with the samplers a scrape runs first.

    `direct_only` refuses requests that came through a proxy (they carry `Forwarded` or
    `X-Forwarded-For`), so the public gateway's metrics answer Prometheus inside the cluster
    and never the internet through the ingress.
    """

    samplers: Callable[[], Sequence[Sampler]]
    direct_only: bool = False

    def router(self) -> APIRouter:
        router = APIRouter(include_in_schema=False)

        @router.get("/metrics")
        async def metrics(request: Request) -> Response:
            if self.direct_only and _came_through_a_proxy(request):
                return Response(status_code=404)
            await self.sample()
            return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

        return router

    async def sample(self) -> None:
        samplers = list(self.samplers())
        if not samplers:
            return
        results = await asyncio.gather(
            *(asyncio.wait_for(sampler(), SAMPLE_TIMEOUT_SECONDS) for sampler in samplers),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                # The scrape still answers with what it has; the stale gauge shows in the log.
                log.warning("a metrics sampler failed", extra={"error": type(result).__name__})


def _came_through_a_proxy(request: Request) -> bool:
    if any(name in request.headers for name in ("forwarded", "x-forwarded-for", "x-real-ip")):
        return True
    host = request.client.host if request.client else ""
    try:
        return not ipaddress.ip_address(host).is_private
    except ValueError:
        return host not in ("testclient", "localhost")
