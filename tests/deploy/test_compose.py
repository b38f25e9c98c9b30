"""docker-compose.yml, read offline: valid Compose, healthy in order, closed to the outside.

Its structure is validated against the Compose Specification schema that check-jsonschema
ships. `docker compose config` runs too where a Compose binary is installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from nowrongdoor.supervisor import DATABASE_SERVICES

from .conftest import (
    COMPOSE_FILE,
    DEPLOYABLES,
    DOCKERFILE,
    K8S,
    NAMESPACE,
    OTEL_VARIABLES,
    ROOT,
    SIGNING_KEY_DIR,
    VERIFICATION_KEYS_DIR,
    StartSettings,
    environment_names,
)
from .kustomize import load_documents, split_image

# Images that carry no program to probe with; whoever depends on them waits for the start only.
NOTHING_TO_PROBE_WITH = {"otel-collector": "the collector image has no shell and no HTTP client"}
PUBLISHED = {"gateway": 8000, "jaeger": 16686, "mailpit": 8025}


@cache
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return document


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def one_shots() -> set[str]:
    return {
        dependency
        for service in services().values()
        for dependency, condition in service.get("depends_on", {}).items()
        if condition["condition"] == "service_completed_successfully"
    }


def test_it_follows_the_compose_specification() -> None:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(vendored.read_text())
    checker = jsonschema.validators.validator_for(schema)(schema)
    problems = [
        f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
        for error in checker.iter_errors(compose())
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(
    not (shutil.which("docker-compose") or shutil.which("docker")),
    reason="no Docker Compose installed here; the specification schema above still applies",
)
def test_docker_compose_accepts_it() -> None:
    command = ["docker-compose"] if shutil.which("docker-compose") else ["docker", "compose"]
    result = subprocess.run(
        [*command, "-f", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    if "is not a docker command" in result.stderr or "unknown" in result.stderr.lower():
        pytest.skip("the docker client here has no compose plugin")
    assert result.returncode == 0, result.stderr


def test_every_service_is_health_checked_or_runs_once() -> None:
    for name, service in services().items():
        if name in one_shots():
            assert service["restart"] == "no", name
        elif name in NOTHING_TO_PROBE_WITH:
            assert "healthcheck" not in service
        else:
            test = service["healthcheck"]["test"]
            assert test[0] in ("CMD", "CMD-SHELL") and not service["healthcheck"].get("disable")


def test_every_dependency_waits_for_the_right_condition() -> None:
    for name, service in services().items():
        for dependency, condition in service.get("depends_on", {}).items():
            expected = (
                "service_completed_successfully"
                if dependency in one_shots()
                else "service_started"
                if dependency in NOTHING_TO_PROBE_WITH
                else "service_healthy"
            )
            assert condition == {"condition": expected}, f"{name} → {dependency}"
    for deployable in DEPLOYABLES:
        # No deployable starts before its database is migrated and the keys exist.
        assert {"migrations", "keys", "postgres"} <= set(services()[deployable]["depends_on"])
    assert set(services()["gateway"]["depends_on"]) >= set(DEPLOYABLES) - {"gateway"}


def test_only_the_gateway_and_the_two_uis_are_published_and_only_on_loopback() -> None:
    for name, service in services().items():
        ports = service.get("ports", [])
        if name not in PUBLISHED:
            assert not ports and not service.get("expose"), name
            continue
        [mapping] = ports
        host, host_port, container_port = mapping.split(":")
        assert host == "127.0.0.1", name
        assert int(host_port) == int(container_port) == PUBLISHED[name]


def test_the_deployables_are_the_dockerfile_targets_and_hardened() -> None:
    targets = set(re.findall(r"^FROM \S+ AS (\S+)$", DOCKERFILE.read_text(), re.M))
    for service in services().values():
        if "build" not in service:
            continue
        target = service["build"]["target"]
        assert target in targets
        assert service["image"] == f"nowrongdoor-{target}:dev"
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
    for deployable in DEPLOYABLES:
        assert services()[deployable]["build"]["target"] == deployable


def test_the_local_kubernetes_overlay_uses_the_images_compose_builds() -> None:
    [kustomization] = load_documents(K8S / "overlays" / "local" / "kustomization.yaml")
    tags = {image["name"]: image["newTag"] for image in kustomization["images"]}
    for deployable in DEPLOYABLES:
        name, tag = split_image(services()[deployable]["image"])
        assert tags[name] == tag


def test_other_images_are_plain_names_with_an_explicit_tag() -> None:
    for name, service in services().items():
        image, tag = split_image(service["image"])
        assert tag and tag != "latest", name
        assert not re.search(r"[.:]", image.split("/")[0]) or "/" not in image, image


def environment(name: str) -> dict[str, str]:
    return {key: str(value) for key, value in services()[name].get("environment", {}).items()}


def test_each_deployable_starts_in_production_with_what_compose_gives_it(
    start_settings: StartSettings,
) -> None:
    for deployable in DEPLOYABLES:
        given = environment(deployable)
        assert given["NWD_ENVIRONMENT"] == "production"
        assert given["NWD_MIGRATE_ON_START"] == "false"
        reads = environment_names(deployable) | OTEL_VARIABLES
        unknown = {key for key in given if key not in reads}
        assert not unknown, f"{deployable} does not read {unknown}"
        start_settings(deployable, given)  # raises where production lacks a setting
        mounts = services()[deployable]["volumes"]
        for key, value in given.items():
            if key.endswith("_FILE"):
                folder = value.rsplit("/", 1)[0]
                assert any(mount.split(":")[1] == folder for mount in mounts), key


def test_the_key_volumes_go_to_the_images_mount_points_and_the_private_key_to_the_gateway() -> None:
    for deployable in DEPLOYABLES:
        mounts = {m.split(":")[0]: m.split(":")[1:] for m in services()[deployable]["volumes"]}
        assert mounts["verification-keys"] == [VERIFICATION_KEYS_DIR, "ro"]
        if deployable == "gateway":
            assert mounts["signing-key"] == [SIGNING_KEY_DIR, "ro"]
        else:
            assert "signing-key" not in mounts
    keys = {m.split(":")[0]: m.split(":")[1] for m in services()["keys"]["volumes"]}
    assert keys["signing-key"] == SIGNING_KEY_DIR
    assert keys["verification-keys"] == VERIFICATION_KEYS_DIR
    script = (ROOT / "deploy" / "compose" / "dev_keys.py").read_text()
    assert f'"{SIGNING_KEY_DIR}/' in script and f'"{VERIFICATION_KEYS_DIR}/' in script


def created_databases() -> dict[str, tuple[str, str]]:
    """Database → (owner, password) from the PostgreSQL init script."""
    sql = (ROOT / "deploy" / "compose" / "postgres-init.sql").read_text()
    passwords = dict(re.findall(r"CREATE ROLE (\w+) LOGIN PASSWORD '([^']+)';", sql))
    owners = dict(re.findall(r"CREATE DATABASE (\w+) OWNER (\w+);", sql))
    return {database: (owner, passwords[owner]) for database, owner in owners.items()}


def test_each_database_url_names_a_database_and_role_the_init_script_creates() -> None:
    databases = created_databases()
    used: dict[str, str] = {}
    for name in (*DEPLOYABLES, "migrations"):
        for key, value in environment(name).items():
            if not key.endswith("_DATABASE_URL"):
                continue
            url = urlsplit(value)
            assert url.hostname == "postgres" and url.port == 5432
            database = url.path.lstrip("/")
            assert databases[database] == (url.username, url.password), key
            assert used.setdefault(key, database) == database  # one database per variable
    # Every database service has its own, and the migrations one-shot migrates them all.
    expected = {f"NWD_{service.env_name}_DATABASE_URL" for service in DATABASE_SERVICES}
    assert set(used) == expected
    assert len(set(used.values())) == len(expected)
    assert services()["migrations"]["command"] == ["nowrongdoor", "migrate"]


def test_every_committed_secret_says_it_is_for_development() -> None:
    secrets = {
        "NWD_GATEWAY_SECRET_KEY": environment("gateway")["NWD_GATEWAY_SECRET_KEY"],
        "NWD_INTAKE_ENCRYPTION_KEYS": environment("intake")["NWD_INTAKE_ENCRYPTION_KEYS"],
        "POSTGRES_PASSWORD": environment("postgres")["POSTGRES_PASSWORD"],
    }
    secrets |= {database: password for database, (_, password) in created_databases().items()}
    for name, value in secrets.items():
        assert value.startswith("development"), name


def test_traces_go_from_the_services_to_the_collector_to_the_viewer() -> None:
    for deployable in DEPLOYABLES:
        given = environment(deployable)
        endpoint = urlsplit(given["OTEL_EXPORTER_OTLP_ENDPOINT"])
        assert (endpoint.hostname, endpoint.port) == ("otel-collector", 4318)
        assert given["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
        assert given["OTEL_SERVICE_NAME"] == deployable
        attributes = dict(
            pair.split("=", 1) for pair in given["OTEL_RESOURCE_ATTRIBUTES"].split(",")
        )
        assert attributes["service.namespace"] == NAMESPACE
    [config_mount] = services()["otel-collector"]["volumes"]
    collector = yaml.safe_load((ROOT / config_mount.split(":")[0]).read_text())
    assert collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == "0.0.0.0:4318"
    host, port = collector["exporters"]["otlp"]["endpoint"].split(":")
    assert host in services() and port == "4317"
    assert collector["service"]["pipelines"]["traces"]["exporters"] == ["otlp"]


def test_nats_has_jetstream_on_a_volume_and_is_probed_for_it() -> None:
    nats = services()["nats"]
    command = nats["command"]
    assert "-js" in command and command[command.index("-sd") + 1] == "/data"
    assert any(volume.endswith(":/data") for volume in nats["volumes"])
    assert "healthz?js-enabled-only=true" in " ".join(nats["healthcheck"]["test"])


def test_bind_mounted_files_exist() -> None:
    for service in services().values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).is_file(), source
