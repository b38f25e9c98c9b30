"""Notifications' gauge for `/metrics`: the deliveries not sent yet, by channel.

Counts only, never a recipient: the labels are the closed set of channels that leave the platform.
A backlog that keeps growing means the dispatcher cannot keep up or a channel keeps failing.
"""

from __future__ import annotations

from notifications.domain.planning import SENT_CHANNELS
from notifications.repository import deliveries as repository
from nowrongdoor.metrics import DELIVERIES_WAITING, Sampler
from nowrongdoor.runtime import Runtime


def delivery_gauges(runtime: Runtime) -> Sampler:
    """The sampler `service_app` runs on each scrape."""

    async def sample() -> None:
        async with runtime.sessions() as session:
            waiting = await repository.waiting_by_channel(session)
        for channel in SENT_CHANNELS:
            DELIVERIES_WAITING.labels(channel).set(waiting.get(channel, 0))

    return sample
