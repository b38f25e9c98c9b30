"""The rendered manifests of deploy/k8s, and the questions several test modules ask of them."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from .conftest import K8S
from .kustomize import Manifest, containers, pod_spec, render


@cache
def rendered_at(directory: Path) -> tuple[Manifest, ...]:
    return tuple(render(directory))


def rendered(overlay: str) -> tuple[Manifest, ...]:
    return rendered_at(K8S / "overlays" / overlay)


def of_kind(overlay: str, kind: str) -> list[Manifest]:
    return [m for m in rendered(overlay) if m["kind"] == kind]


def named(overlay: str, kind: str, name: str) -> Manifest:
    [manifest] = [m for m in of_kind(overlay, kind) if m["metadata"]["name"] == name]
    return manifest


def workloads_of(manifests: tuple[Manifest, ...]) -> Iterator[tuple[Manifest, Manifest]]:
    for manifest in manifests:
        spec = pod_spec(manifest)
        if spec is not None:
            yield manifest, spec


def workloads(overlay: str) -> Iterator[tuple[Manifest, Manifest]]:
    yield from workloads_of(rendered(overlay))


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels and In/NotIn/Exists) selects these labels."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        value = labels.get(expression["key"])
        operator = expression["operator"]
        if operator == "In" and value not in expression["values"]:
            return False
        if operator == "NotIn" and value in expression["values"]:
            return False
        if operator == "Exists" and value is None:
            return False
    return True


def pod_labels_of(workload: Manifest) -> dict[str, str]:
    labels: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
    return labels


def referenced_secrets(manifests: tuple[Manifest, ...]) -> set[tuple[str, str]]:
    """(Secret name, key) of every reference in the manifests; `*` for a whole Secret."""
    found: set[tuple[str, str]] = set()
    for _, spec in workloads_of(manifests):
        for container in containers(spec):
            for variable in container.get("env", []):
                reference = variable.get("valueFrom", {}).get("secretKeyRef")
                if reference:
                    found.add((reference["name"], reference["key"]))
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    found.add((source["secretRef"]["name"], "*"))
        for volume in spec.get("volumes", []):
            sources = [volume, *volume.get("projected", {}).get("sources", [])]
            for source in sources:
                secret = source.get("secret")
                if secret:
                    name = secret.get("secretName") or secret["name"]
                    items = secret.get("items")
                    found |= {(name, item["key"]) for item in items} if items else {(name, "*")}
    for ingress in (m for m in manifests if m["kind"] == "Ingress"):
        for tls in ingress["spec"].get("tls", []):
            found |= {(tls["secretName"], "tls.crt"), (tls["secretName"], "tls.key")}
    return found


def environment_of(overlay: str, container: Manifest) -> dict[str, str]:
    """The variables a container starts with; secret values stand in as placeholders."""
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        [config_map] = [
            m
            for m in of_kind(overlay, "ConfigMap")
            if m["metadata"]["name"] == source["configMapRef"]["name"]
        ]
        environment.update(config_map["data"])
    for variable in container.get("env", []):
        if "value" in variable:
            environment[variable["name"]] = variable["value"]
        elif "secretKeyRef" in variable.get("valueFrom", {}):
            reference = variable["valueFrom"]["secretKeyRef"]
            environment[variable["name"]] = f"secret-{reference['name']}-{reference['key']}" * 2
    return environment
