from __future__ import annotations

import sys
import types
from collections.abc import Callable
from dataclasses import asdict
from importlib.metadata import EntryPoint

import pytest

from nowrongdoor.plugins import (
    SERVICES_GROUP,
    PluginError,
    ServiceDeclaration,
    discover_services,
)


def declared(name: str, port: int, *, public: bool = False) -> ServiceDeclaration:
    package = name.replace("-", "_")
    return ServiceDeclaration(
        name=name,
        app_factory=f"{package}.app:create_app",
        settings_class=f"{package}.settings:Settings",
        migrations_package=f"{package}.migrations",
        default_port=port,
        public=public,
    )


Hold = Callable[..., None]


@pytest.fixture
def hold(monkeypatch: pytest.MonkeyPatch) -> Hold:
    """Puts objects in a module that entry points can name: `hold(one=declaration)`."""
    holder = types.ModuleType("nwd_declarations")
    monkeypatch.setitem(sys.modules, holder.__name__, holder)
    return lambda **objects: holder.__dict__.update(objects)


def entry(name: str, attribute: str) -> EntryPoint:
    return EntryPoint(name=name, value=f"nwd_declarations:{attribute}", group=SERVICES_GROUP)


def test_the_installed_services_declare_what_up_always_ran(
    five_services: tuple[ServiceDeclaration, ...],
) -> None:
    found = discover_services()
    assert [service.name for service in found[:5]] == [s.name for s in five_services]
    for service, expected in zip(found, five_services, strict=False):
        assert asdict(service) | {"notes": ()} == asdict(expected)


def test_services_come_sorted_by_default_port(hold: Hold) -> None:
    hold(late=declared("late", 9002), early=declared("early", 9001, public=True))
    found = discover_services(entries=[entry("late", "late"), entry("early", "early")])
    assert [service.name for service in found] == ["early", "late"]


def test_only_the_services_asked_for_are_loaded(hold: Hold) -> None:
    hold(wanted=declared("wanted", 9001))
    entries = [entry("wanted", "wanted"), entry("broken", "does_not_exist")]
    assert [service.name for service in discover_services(["wanted"], entries=entries)] == [
        "wanted"
    ]
    with pytest.raises(PluginError, match="no service declares billing; declared: broken, wanted"):
        discover_services(["billing"], entries=entries)


def test_two_declarations_of_one_name_are_refused(hold: Hold) -> None:
    hold(one=declared("ledger", 9001), two=declared("ledger", 9002))
    with pytest.raises(PluginError, match="one name declared twice: ledger by"):
        discover_services(entries=[entry("ledger", "one"), entry("ledger", "two")])


def test_two_services_claiming_one_port_are_refused(hold: Hold) -> None:
    hold(one=declared("ledger", 9001), two=declared("audit", 9001))
    with pytest.raises(
        PluginError, match="one default port claimed twice: 9001 by ledger and audit"
    ):
        discover_services(entries=[entry("ledger", "one"), entry("audit", "two")])


def test_two_public_doors_are_refused(hold: Hold) -> None:
    hold(one=declared("front", 9001, public=True), two=declared("side", 9002, public=True))
    with pytest.raises(PluginError, match="only one service can be the public door"):
        discover_services(entries=[entry("front", "one"), entry("side", "two")])


@pytest.mark.usefixtures("hold")
def test_a_declaration_that_does_not_load_names_its_service() -> None:
    with pytest.raises(PluginError, match=r"service ledger .* does not load .*AttributeError"):
        discover_services(entries=[entry("ledger", "missing")])


def test_an_entry_point_must_name_a_declaration_of_its_own_name(
    hold: Hold,
) -> None:
    hold(text="ledger", other=declared("audit", 9001))
    with pytest.raises(PluginError, match="is a str, not a ServiceDeclaration"):
        discover_services(entries=[entry("ledger", "text")])
    with pytest.raises(PluginError, match="declares 'audit'"):
        discover_services(entries=[entry("ledger", "other")])


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("name", "Case_Tracking", "not lower-case words"),
        ("app_factory", "ledger.app", "not 'package.module:name'"),
        ("default_port", 70000, "not a TCP port"),
        ("migrations_package", None, "needs migrations"),
        ("nice", 20, "not between 0 and 19"),
        ("nice", -5, "not between 0 and 19"),
    ],
)
def test_a_malformed_declaration_is_refused_when_made(
    field: str, value: object, problem: str
) -> None:
    fields = asdict(declared("ledger", 9001)) | {field: value}
    with pytest.raises(ValueError, match=problem):
        ServiceDeclaration(**fields)


def test_a_service_without_a_database_needs_no_migrations() -> None:
    service = ServiceDeclaration(
        "edge", "edge.app:create_app", "edge.settings:S", 9000, None, False
    )
    assert service.database_variable == "NWD_EDGE_DATABASE_URL"
