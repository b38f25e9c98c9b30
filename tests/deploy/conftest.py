"""What the deployment tests share: the repository's paths, the deployables, and their settings."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

import opentelemetry.environment_variables
import opentelemetry.sdk.environment_variables
import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE_FILE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("local", "production")
COMPONENTS = tuple(sorted(p.parent.name for p in (K8S / "components").glob("*/kustomization.yaml")))
# What `kustomize build` is run on: each overlay, and each component alone on the base.
BUILDS = (*(f"overlays/{o}" for o in OVERLAYS), *(f"components/{c}" for c in COMPONENTS))
NAMESPACE = "nowrongdoor"

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
# The standard OTEL_* variables, which the OpenTelemetry SDK reads rather than the settings.
OTEL_VARIABLES = frozenset(
    value
    for module in (opentelemetry.environment_variables, opentelemetry.sdk.environment_variables)
    for name, value in vars(module).items()
    if name.startswith("OTEL_") and isinstance(value, str)
)


@pytest.fixture(scope="session")
def build_directory(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The folder to build for one of BUILDS; a component gets a kustomization of its own that
    adds it to the base, as an overlay would."""
    made: dict[str, Path] = {}

    def directory(build: str) -> Path:
        folder, name = build.split("/")
        if folder == "overlays":
            return K8S / build
        if build not in made:
            scratch = tmp_path_factory.mktemp(name)
            # kustomize takes relative paths only.
            k8s = Path(os.path.relpath(K8S, scratch))
            kustomization = {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "namespace": NAMESPACE,
                "resources": [str(k8s / "base")],
                "components": [str(k8s / "components" / name)],
            }
            (scratch / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
            made[build] = scratch
        return made[build]

    return directory


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
