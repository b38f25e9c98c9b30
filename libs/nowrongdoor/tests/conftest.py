"""What the library's tests share: the five services as they declare themselves, not imported."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nowrongdoor.embedded import free_port, port_is_free
from nowrongdoor.plugins import BACKLOG_NICE, ServiceDeclaration


def declaration(
    name: str, package: str, settings: str, port: int, *, seals: bool = False, backlog: bool = False
) -> ServiceDeclaration:
    return ServiceDeclaration(
        name=name,
        app_factory=f"{package}.app:create_app",
        settings_class=f"{package}.settings:{settings}",
        migrations_package=f"{package}.migrations",
        default_port=port,
        public=name == "gateway",
        key_rotation=f"{package}.cli:rotate_keys" if seals else None,
        nice=BACKLOG_NICE if backlog else 0,
    )


FIVE_SERVICES = (
    declaration("gateway", "gateway", "GatewaySettings", 8000),
    declaration("intake", "intake", "IntakeSettings", 8001, seals=True),
    declaration("routing", "routing", "RoutingSettings", 8002, backlog=True),
    declaration(
        "case-tracking", "case_tracking", "CaseTrackingSettings", 8003, seals=True, backlog=True
    ),
    declaration(
        "notifications", "notifications", "NotificationsSettings", 8004, seals=True, backlog=True
    ),
)


@pytest.fixture
def five_services() -> tuple[ServiceDeclaration, ...]:
    """The platform's five services, declared here so planning tests need none of them installed."""
    return FIVE_SERVICES


@pytest.fixture
def free_port_base() -> Callable[[int], int]:
    """A port whose next `count - 1` neighbours are free too, as far as one can tell."""

    def find(count: int) -> int:
        for _ in range(50):
            base = free_port()
            if base + count < 65536 and all(port_is_free(base + n) for n in range(count)):
                return base
        raise AssertionError(f"no {count} free ports in a row")

    return find
