"""Every service answers `/metrics` in Prometheus' format; its counts move with a complaint.

No label value is ever a reference, an address or something a person wrote: labels come from
closed sets — route templates, event types, consumers, channels and statuses.
"""

from __future__ import annotations

import re
import secrets

import httpx
from prometheus_client.parser import text_string_to_metric_families

from nowrongdoor.ids import new_reference
from nowrongdoor.metrics import CATALOGUE
from nowrongdoor.testing.apps import eventually

from .conftest import SERVICES, Platform
from .test_complaint_to_case import complaint, file, follow_until

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]

# What every label of a series may hold: a route template, an event type, a consumer's name...
LABEL_VALUE = re.compile(
    r"^(/[A-Za-z0-9_{}./-]*|[a-z0-9][a-z0-9_.-]*|[A-Z]+|[0-9]{3}|[0-9.e+-]+|\+Inf)$"
)


async def scrape(url: str) -> Samples:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(f"{url}/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def total(samples: Samples, name: str, **labels: str) -> float:
    return sum(
        value
        for (sample, sample_labels), value in samples.items()
        if sample == name and labels.items() <= dict(sample_labels).items()
    )


async def scrape_all(platform: Platform) -> dict[str, Samples]:
    return {service: await scrape(platform.service_urls[service]) for service in SERVICES}


async def test_each_service_counts_what_a_complaint_did_and_no_label_names_anyone(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    before = await scrape_all(platform)
    tag = secrets.token_hex(5)
    identity = {"name": f"Metricname{tag}", "email": f"metric.{tag}@example.org"}
    accepted = await file(
        gateway, complaint(complainant={"role": "citizen", "anonymous": False, **identity})
    )
    await follow_until(gateway, accepted, "routed")
    # A path that names a reference but matches no route is counted as "unmatched".
    stray = new_reference()
    assert (await gateway.get(f"/v1/cases/{stray}/no-such-thing")).status_code == 404

    async def moved() -> dict[str, Samples] | None:
        now = await scrape_all(platform)
        # Sent against sent: deliveries that failed or wait for a retry before this test would
        # otherwise be counted on one side only.
        sent = total(now["notifications"], "nwd_deliveries_total", outcome="sent")
        sent_before = total(before["notifications"], "nwd_deliveries_total", outcome="sent")
        return now if sent > sent_before else None

    # A busy platform may hold a delivery for its merge window before sending it.
    after = await eventually(moved, timeout=120, interval=1)

    def grew(service: str, name: str, **labels: str) -> bool:
        return total(after[service], name, **labels) > total(before[service], name, **labels)

    assert grew("gateway", "nwd_http_requests_total", route="/v1/complaints", status="201")
    assert grew("gateway", "nwd_http_request_duration_seconds_count", route="/v1/complaints")
    assert grew("gateway", "nwd_http_requests_total", route="unmatched", status="404")
    assert grew(
        "intake", "nwd_events_published_total", type="org.nowrongdoor.complaint.received.v1"
    )
    assert grew(
        "routing",
        "nwd_events_consumed_total",
        consumer="routing-complaint-received",
        outcome="processed",
    )
    assert grew("routing", "nwd_events_published_total", type="org.nowrongdoor.complaint.routed.v1")
    assert grew(
        "case-tracking", "nwd_events_published_total", type="org.nowrongdoor.case.opened.v1"
    )
    assert total(after["case-tracking"], "nwd_cases", status="routed") >= 1
    assert grew("notifications", "nwd_deliveries_total", channel="email", outcome="sent")
    for service in SERVICES:
        if service == "gateway":
            continue
        names = {name for name, _ in after[service]}
        assert {
            "nwd_outbox_backlog_messages",
            "nwd_outbox_oldest_age_seconds",
            "nwd_consumer_pending_messages",
            "nwd_dead_letter_messages",
            "nwd_jetstream_storage_used_bytes",
        } <= names, service
        assert total(after[service], "nwd_jetstream_storage_used_bytes") > 0
    seen = {name for samples in after.values() for name, _ in samples}
    for series in CATALOGUE:
        if series in ("nwd_dead_letters_total", "nwd_receipt_lockouts_total"):
            continue  # counted only once something is dead-lettered or locked
        assert any(name.startswith(series) for name in seen), series

    for service, samples in after.items():
        for name, labels in samples:
            if not name.startswith("nwd_"):
                continue  # the client library's own process and runtime series
            for label, value in labels:
                assert LABEL_VALUE.match(value), (service, name, label, value)
                assert "NWD-" not in value and "@" not in value, (service, name, label)
    everything = repr(after)
    for planted in (*identity.values(), accepted["reference"], stray):
        assert planted not in everything
