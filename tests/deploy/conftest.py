"""What the deployment tests share: the repository's paths, the deployables, and their settings."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE_FILE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("local", "production")

# Deployable (as `nowrongdoor migrate` and the images name it) → its Python package.
DEPLOYABLES = {
    "gateway": "gateway",
    "intake": "intake",
    "routing": "routing",
    "case-tracking": "case_tracking",
    "notifications": "notifications",
}
# Where the images mount the token keys; the Dockerfile creates these folders.
SIGNING_KEY_DIR = "/etc/nowrongdoor/signing-key"
VERIFICATION_KEYS_DIR = "/etc/nowrongdoor/verification-keys"


@cache
def settings_classes(deployable: str) -> tuple[type[BaseSettings], ...]:
    """Every settings class the deployable's package defines, in any module named *settings."""
    package = importlib.import_module(DEPLOYABLES[deployable])
    found: list[type[BaseSettings]] = []
    for module_info in pkgutil.iter_modules(package.__path__):
        if not module_info.name.endswith("settings"):
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        found += [
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, BaseSettings)
            and value.__module__ == module.__name__
        ]
    return tuple(found)


@cache
def environment_names(deployable: str) -> frozenset[str]:
    """The NWD_* variables the deployable reads, as pydantic-settings resolves them."""
    names: set[str] = set()
    for settings in settings_classes(deployable):
        prefix = str(settings.model_config.get("env_prefix", ""))
        for field_name, field in settings.model_fields.items():
            alias = field.validation_alias
            if isinstance(alias, AliasChoices):
                names |= {c.upper() for c in alias.choices if isinstance(c, str) and c.isupper()}
            elif isinstance(alias, str):
                names.add(alias.upper())
            else:
                names.add(f"{prefix}{field.alias or field_name}".upper())
    return frozenset(names)


def every_environment_name() -> frozenset[str]:
    return frozenset[str]().union(*(environment_names(d) for d in DEPLOYABLES))


@pytest.fixture
def start_settings(monkeypatch: pytest.MonkeyPatch) -> StartSettings:
    return StartSettings(monkeypatch)


class StartSettings:
    """Builds a deployable's settings from exactly the given environment, as the process would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def __call__(self, deployable: str, environment: Mapping[str, str]) -> list[BaseSettings]:
        for name in list(os.environ):
            if name.startswith("NWD_"):
                self.monkeypatch.delenv(name)
        for name, value in environment.items():
            self.monkeypatch.setenv(name, value)
        return [settings() for settings in settings_classes(deployable)]
