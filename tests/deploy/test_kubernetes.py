"""deploy/k8s, rendered offline: valid Kubernetes, locked down, and complete for every deployable.

Each overlay, and each component on the base alone, is rendered with the small renderer in
`kustomize.py` (the subset of kustomize the manifests use) and every object is validated
against the Kubernetes JSON schemas that kubernetes-validate ships, strictly: an unknown field is
an error. The Prometheus Operator's kinds are validated against its CRDs' schemas, kept in
`schemas/`, as strictly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from ipaddress import ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import jsonschema
import pytest
from packaging.version import Version
from referencing import Registry, Resource

from nowrongdoor.supervisor import DATABASE_SERVICES

from .conftest import (
    BUILDS,
    DEPLOYABLES,
    K8S,
    NAMESPACE,
    OTEL_VARIABLES,
    OVERLAYS,
    SIGNING_KEY_DIR,
    VERIFICATION_KEYS_DIR,
    StartSettings,
    environment_names,
    every_environment_name,
)
from .kustomize import containers, pod_spec, split_image
from .manifests import (
    environment_of,
    matches,
    named,
    of_kind,
    pod_labels_of,
    referenced_secrets,
    rendered,
    rendered_at,
    workloads,
)

LABEL_NAME = "app.kubernetes.io/name"
UVICORN_VARIABLES = {"FORWARDED_ALLOW_IPS"}
PART_OF = {"app.kubernetes.io/part-of": "nowrongdoor"}
CUSTOM_RESOURCE_SCHEMAS = Path(__file__).parent / "schemas"
# The samplers OTEL_TRACES_SAMPLER may name, as the OpenTelemetry specification lists them.
SAMPLERS = {
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
}


def config(overlay: str) -> dict[str, str]:
    [config_map] = [
        m
        for m in of_kind(overlay, "ConfigMap")
        if m["metadata"]["name"].startswith("nowrongdoor-config-")
    ]
    data: dict[str, str] = config_map["data"]
    return data


def pod_labels(overlay: str) -> list[dict[str, str]]:
    return [pod_labels_of(m) for m, _ in workloads(overlay)]


# -- schemas ----------------------------------------------------------------------------------


@cache
def schema_directory() -> Path:
    root = resources.files("kubernetes_validate") / "kubernetes-json-schema"
    strict = [entry.name for entry in root.iterdir() if entry.name.endswith("-local-strict")]
    newest = max(strict, key=lambda name: Version(name.split("-")[0].lstrip("v")))
    return Path(str(root / newest))


@cache
def schema_registry() -> Registry[Any]:
    definitions = json.loads((schema_directory() / "_definitions.json").read_text())
    return Resource.from_contents(definitions) @ Registry()


@cache
def validator(kind: str, api_version: str) -> jsonschema.protocols.Validator:
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    name = f"{kind.lower()}-{group_version}.json"
    path = schema_directory() / name
    if path.exists():
        schema = json.loads(path.read_text())
    else:
        schema = custom_resource_schema(CUSTOM_RESOURCE_SCHEMAS / name)
    validator_class = jsonschema.validators.validator_for(schema)
    registry = Resource.from_contents(schema) @ schema_registry()
    return validator_class(schema, registry=registry)


def custom_resource_schema(path: Path) -> dict[str, Any]:
    """A CRD's schema, as strict as the core ones: the API server would drop an unknown field of
    a custom resource without a word, so here it is an error; metadata is Kubernetes' own."""
    schema: dict[str, Any] = closed(json.loads(path.read_text()))
    core = json.loads((schema_directory() / "configmap-v1.json").read_text())
    # Its own id beside the core ones, so their references to the shared definitions resolve.
    schema["$id"] = urljoin(core["$id"], path.stem)
    schema["$schema"] = core["$schema"]
    schema["properties"]["metadata"] = core["properties"]["metadata"]
    return schema


def closed(schema: Any) -> Any:
    """The schema with `additionalProperties: false` on every object that lists its properties."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: closed(value) for key, value in schema.items()}
    if "properties" in result and "additionalProperties" not in result:
        result["additionalProperties"] = False
    return result


@pytest.mark.parametrize("build", BUILDS)
def test_every_object_is_valid_kubernetes_with_no_unknown_field(
    build: str, build_directory: Callable[[str], Path]
) -> None:
    problems = []
    for manifest in rendered_at(build_directory(build)):
        checker = validator(manifest["kind"], manifest["apiVersion"])
        problems += [
            f"{manifest['kind']}/{manifest['metadata']['name']} at "
            f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
            for error in checker.iter_errors(manifest)
        ]
    assert not problems, "\n".join(problems)


def test_the_schemas_are_strict() -> None:
    # An unknown field must fail, or the test above would pass on typos.
    deployment = named("production", "Deployment", "gateway")
    typo = json.loads(json.dumps(deployment))
    typo["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    assert list(validator("Deployment", "apps/v1").iter_errors(typo))
    monitor = named("production", "ServiceMonitor", "nowrongdoor")
    typo = json.loads(json.dumps(monitor))
    typo["spec"]["endpoints"][0]["scrapeInterval"] = "30s"
    assert list(validator("ServiceMonitor", monitor["apiVersion"]).iter_errors(typo))
    typo = json.loads(json.dumps(monitor))
    typo["metadata"]["label"] = {}
    assert list(validator("ServiceMonitor", monitor["apiVersion"]).iter_errors(typo))


# -- security ---------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_runs_as_non_root_with_a_read_only_root_and_no_privileges(overlay: str) -> None:
    for manifest, spec in workloads(overlay):
        where = f"{manifest['kind']}/{manifest['metadata']['name']}"
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, where
        assert pod["runAsUser"] > 0, where
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert spec["automountServiceAccountToken"] is False, where
        assert not spec.get("hostNetwork") and not spec.get("hostPID"), where
        assert not any("hostPath" in volume for volume in spec.get("volumes", [])), where
        for container in containers(spec):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"] == {"drop": ["ALL"]}, where
            assert not context.get("privileged"), where
            for kind in ("requests", "limits"):
                assert set(container["resources"][kind]) >= {"cpu", "memory"}, where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_long_running_pods_have_startup_liveness_and_readiness_probes(overlay: str) -> None:
    for manifest, spec in workloads(overlay):
        if manifest["kind"] == "Job":
            continue
        for container in spec["containers"]:
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert probe in container, f"{manifest['metadata']['name']} lacks {probe}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_deployables_are_live_on_healthz_ready_on_readyz_and_write_only_to_tmp(
    overlay: str,
) -> None:
    for deployable in DEPLOYABLES:
        spec = pod_spec(named(overlay, "Deployment", deployable))
        assert spec is not None
        [container] = spec["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        writable = [m for m in container["volumeMounts"] if not m.get("readOnly")]
        assert [m["mountPath"] for m in writable] == ["/tmp"]  # noqa: S108 - an emptyDir
        assert "emptyDir" in volumes[writable[0]["name"]]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_is_in_the_manifests(overlay: str) -> None:
    assert of_kind(overlay, "Secret") == []
    for config_map in of_kind(overlay, "ConfigMap"):
        for key in config_map["data"]:
            assert not re.search(r"PASSWORD|SECRET_KEY|ENCRYPTION_KEYS|DATABASE_URL|REDIS_URL", key)


def documented_secrets() -> set[tuple[str, str]]:
    table = re.findall(r"^\| `([a-z0-9-]+)` \| `([^`]+)` \|", (K8S / "README.md").read_text(), re.M)
    return set(table)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_the_manifests_reference_is_documented(overlay: str) -> None:
    documented = documented_secrets()
    for name, key in referenced_secrets(rendered(overlay)):
        if key == "*":  # a whole Secret mounted: at least one of its keys must be documented
            assert any(secret == name for secret, _ in documented), name
        else:
            assert (name, key) in documented, f"{name}/{key} is not in deploy/k8s/README.md"


def test_every_documented_secret_is_used() -> None:
    used = set().union(*(referenced_secrets(rendered(overlay)) for overlay in OVERLAYS))
    for name, key in documented_secrets():
        assert (name, key) in used or (name, "*") in used, f"{name}/{key} is documented, not used"


# -- every deployable, configured for production ---------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_deployable_starts_in_production_with_what_the_manifests_give_it(
    overlay: str, start_settings: StartSettings
) -> None:
    for deployable in DEPLOYABLES:
        spec = pod_spec(named(overlay, "Deployment", deployable))
        assert spec is not None
        [container] = spec["containers"]
        environment = environment_of(overlay, container)
        assert environment["NWD_ENVIRONMENT"] == "production"
        assert environment["NWD_MIGRATE_ON_START"] == "false"  # the Job migrates
        start_settings(deployable, environment)  # raises where production lacks a setting
        # Every variable it is given explicitly is one it, uvicorn or OpenTelemetry reads.
        own = {variable["name"] for variable in container.get("env", [])}
        own -= UVICORN_VARIABLES | OTEL_VARIABLES
        assert own <= environment_names(deployable), own - environment_names(deployable)
        mounted = {
            f"{mount['mountPath']}/{item['path']}": (volume["secret"]["secretName"], item["key"])
            for mount in container["volumeMounts"]
            for volume in spec["volumes"]
            if volume["name"] == mount["name"] and "secret" in volume
            for item in volume["secret"].get("items", [{"key": "*", "path": "*"}])
        }
        for name, value in environment.items():
            if name.endswith("_FILE") and name in environment_names(deployable):
                folder = value.rsplit("/", 1)[0]
                assert value in mounted or f"{folder}/*" in mounted, f"{deployable}: {name}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_trusts_forwarded_addresses_from_the_pod_network_only(overlay: str) -> None:
    # Anonymous rate limits key on the caller's address: it must be the client's, not the
    # ingress controller's, and not one the caller can choose.
    spec = pod_spec(named(overlay, "Deployment", "gateway"))
    assert spec is not None
    environment = environment_of(overlay, spec["containers"][0])
    networks = [ip_network(n) for n in environment["FORWARDED_ALLOW_IPS"].split(",")]
    assert networks and not any(network.is_global for network in networks)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_shared_settings_are_all_ones_some_deployable_reads(overlay: str) -> None:
    unknown = set(config(overlay)) - every_environment_name() - OTEL_VARIABLES
    assert not unknown, f"no deployable reads {unknown}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_deployable_names_itself_in_its_traces_and_sends_them_to_the_collector(
    overlay: str,
) -> None:
    collector = pod_spec(named(overlay, "Deployment", "otel-collector"))
    assert collector is not None
    [collector_config] = [
        m for m in of_kind(overlay, "ConfigMap") if m["metadata"]["name"].startswith("otel-coll")
    ]
    for deployable in DEPLOYABLES:
        spec = pod_spec(named(overlay, "Deployment", deployable))
        assert spec is not None
        environment = environment_of(overlay, spec["containers"][0])
        assert environment["OTEL_SERVICE_NAME"] == deployable
        assert environment["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
        assert environment["OTEL_TRACES_SAMPLER"] in SAMPLERS
        attributes = dict(
            pair.split("=", 1) for pair in environment["OTEL_RESOURCE_ATTRIBUTES"].split(",")
        )
        assert attributes["service.namespace"] == NAMESPACE
        assert attributes["deployment.environment.name"] == overlay
        # The endpoint is the collector's OTLP/HTTP port, which its receiver listens on.
        endpoint = urlsplit(environment["OTEL_EXPORTER_OTLP_ENDPOINT"])
        assert endpoint.scheme == "http" and not endpoint.path.strip("/")
        service = named(overlay, "Service", str(endpoint.hostname))
        [port] = [p for p in service["spec"]["ports"] if p["port"] == endpoint.port]
        assert port["targetPort"] in {p["name"] for p in collector["containers"][0]["ports"]}
        receiver = collector_config["data"]["config.yaml"]
        assert re.search(rf"endpoint: 0\.0\.0\.0:{endpoint.port}$", receiver, re.M)
        assert not [name for name in environment if "OTLP" in name and name.startswith("NWD_")]


def test_the_key_files_are_where_the_images_have_their_mount_points() -> None:
    shared = config("production")
    assert shared["NWD_TOKEN_VERIFICATION_KEYS_FILE"].startswith(VERIFICATION_KEYS_DIR + "/")
    assert shared["NWD_GATEWAY_TOKEN_SIGNING_KEY_FILE"].startswith(SIGNING_KEY_DIR + "/")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migrations_run_as_a_job_with_each_deployables_own_image_and_credentials(
    overlay: str,
) -> None:
    spec = pod_spec(named(overlay, "Job", "migrations"))
    assert spec is not None
    by_name = {container["name"]: container for container in spec["containers"]}
    assert set(by_name) == {service.name for service in DATABASE_SERVICES}
    for service in DATABASE_SERVICES:
        container = by_name[service.name]
        assert container["command"] == ["nowrongdoor", "migrate", service.name]
        assert split_image(container["image"])[0] == f"nowrongdoor-{service.name}"
        [variable] = container["env"]
        assert variable["name"] == f"NWD_{service.env_name}_DATABASE_URL"
        assert variable["valueFrom"]["secretKeyRef"]["name"] == f"nowrongdoor-{service.name}"
        deployment = pod_spec(named(overlay, "Deployment", service.name))
        assert deployment is not None
        assert deployment["containers"][0]["image"] == container["image"]


# -- availability -----------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_has_a_disruption_budget_and_every_deployable_an_autoscaler(
    overlay: str,
) -> None:
    budgets = of_kind(overlay, "PodDisruptionBudget")
    for manifest, _ in workloads(overlay):
        if manifest["kind"] == "Job":
            continue
        labels = pod_labels_of(manifest)
        assert any(matches(b["spec"]["selector"], labels) for b in budgets), manifest["metadata"]
    autoscalers = of_kind(overlay, "HorizontalPodAutoscaler")
    scaled = {autoscaler["spec"]["scaleTargetRef"]["name"] for autoscaler in autoscalers}
    assert scaled == set(DEPLOYABLES)
    for deployable in DEPLOYABLES:
        # The autoscaler owns the count; a fixed one would be reset at every apply.
        assert "replicas" not in named(overlay, "Deployment", deployable)["spec"]


def test_production_runs_three_of_everything_and_local_one() -> None:
    for overlay, least in (("production", 3), ("local", 1)):
        for autoscaler in of_kind(overlay, "HorizontalPodAutoscaler"):
            assert autoscaler["spec"]["minReplicas"] == least
        assert named(overlay, "StatefulSet", "nats")["spec"]["replicas"] == least
        assert config(overlay)["NWD_STREAM_REPLICAS"] == str(least)


def nats_config(overlay: str) -> str:
    [config_map] = [
        m for m in of_kind(overlay, "ConfigMap") if m["metadata"]["name"].startswith("nats-config-")
    ]
    text: str = config_map["data"]["nats.conf"]
    return text


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_jetstream_syncs_every_write_and_the_cluster_matches_its_servers(overlay: str) -> None:
    text = nats_config(overlay)
    jetstream = re.search(r"^jetstream \{(.*?)^\}", text, re.M | re.S)
    assert jetstream and re.search(r"^\s*sync_interval: always$", jetstream[1], re.M)
    servers = named(overlay, "StatefulSet", "nats")["spec"]["replicas"]
    routes = re.findall(r"nats://(nats-\d+)\.nats-cluster:6222", text)
    assert routes == [f"nats-{i}" for i in range(servers)] if servers > 1 else routes == []
    assert int(config(overlay)["NWD_STREAM_REPLICAS"]) <= servers
    # The config the pods mount is this one.
    statefulset = pod_spec(named(overlay, "StatefulSet", "nats"))
    assert statefulset is not None
    [volume] = [v for v in statefulset["volumes"] if "configMap" in v]
    assert volume["configMap"]["name"].startswith("nats-config-")


# -- wiring -----------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_reference_resolves(overlay: str) -> None:
    names = {(m["kind"], m["metadata"]["name"]) for m in rendered(overlay)}
    for _, spec in workloads(overlay):
        for volume in spec.get("volumes", []):
            if "configMap" in volume:
                assert ("ConfigMap", volume["configMap"]["name"]) in names
        for container in containers(spec):
            for source in container.get("envFrom", []):
                assert ("ConfigMap", source["configMapRef"]["name"]) in names
    for service in of_kind(overlay, "Service"):
        selected = [
            (m, spec)
            for m, spec in workloads(overlay)
            if matches({"matchLabels": service["spec"]["selector"]}, pod_labels_of(m))
        ]
        assert selected, f"Service {service['metadata']['name']} selects no pod"
        port_names = {
            port["name"] for _, spec in selected for c in containers(spec) for port in c["ports"]
        }
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in port_names
    for autoscaler in of_kind(overlay, "HorizontalPodAutoscaler"):
        assert ("Deployment", autoscaler["spec"]["scaleTargetRef"]["name"]) in names
    [namespace] = of_kind(overlay, "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for manifest in rendered(overlay):
        if manifest["kind"] != "Namespace":
            assert manifest["metadata"]["namespace"] == namespace["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_plain_names_with_an_explicit_tag(overlay: str) -> None:
    for _, spec in workloads(overlay):
        for container in containers(spec):
            name, tag = split_image(container["image"])
            assert tag and tag != "latest", container["image"]
            first = name.split("/")[0]
            assert "/" not in name or not re.search(r"[.:]|^localhost$", first), name


# -- network ----------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_select_real_pods(overlay: str) -> None:
    policies = of_kind(overlay, "NetworkPolicy")
    assert any(
        p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
        for p in policies
    )
    labels = pod_labels(overlay)
    for policy in policies:
        selector = policy["spec"]["podSelector"]
        assert selector == {} or any(matches(selector, pod) for pod in labels), policy["metadata"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_is_reachable_from_outside_and_the_services_only_from_it(
    overlay: str,
) -> None:
    for ingress in of_kind(overlay, "Ingress"):
        backends = {
            path["backend"]["service"]["name"]
            for rule in ingress["spec"]["rules"]
            for path in rule["http"]["paths"]
        }
        assert backends == {"gateway"}
    service_pod = {LABEL_NAME: "intake", "app.kubernetes.io/component": "service", **PART_OF}
    sources = [
        peer
        for policy in of_kind(overlay, "NetworkPolicy")
        if matches(policy["spec"]["podSelector"], service_pod)
        for rule in policy["spec"].get("ingress", [])
        for peer in rule.get("from", [{"everyone": True}])
    ]
    assert sources, "the services accept nothing at all"
    for peer in sources:
        from_gateway = peer.get("podSelector", {}).get("matchLabels", {}).get(LABEL_NAME) == (
            "gateway"
        )
        from_scrapers = peer.get("namespaceSelector", {}).get("matchLabels") == {
            "kubernetes.io/metadata.name": "monitoring"
        }
        assert from_gateway or from_scrapers, peer
