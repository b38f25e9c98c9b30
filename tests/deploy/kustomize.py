"""Render deploy/k8s overlays offline, for the kustomize features the manifests use and no others.

Supported: `resources` (files and directories), `components`, `namespace`, `images` (newName,
newTag), `replicas`, `configMapGenerator` (literals and files; behaviour create, merge or replace;
options labels, annotations and disableNameSuffixHash; the content-hash name suffix and the
references that follow it) and `patches` given by path as strategic-merge patches. A
kustomization or patch using anything else is refused, so a feature this renderer does not know
can never be silently ignored.
Order, as kustomize: resources, components, generators, then patches, namespace, replicas, images.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]

KUSTOMIZATION_FIELDS = {
    "apiVersion",
    "kind",
    "resources",
    "components",
    "namespace",
    "images",
    "replicas",
    "configMapGenerator",
    "patches",
}
GENERATOR_FIELDS = {"name", "behavior", "literals", "files", "options"}
GENERATOR_OPTIONS = {"labels", "annotations", "disableNameSuffixHash"}
# Lists merged item by item under these keys, as Kubernetes' strategic merge does for them.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
}
# Lists strategic merge replaces whole; any other list in a patch is refused.
ATOMIC_LISTS = {"args", "command", "tls", "hosts", "rules", "paths", "accessModes"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume"}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
# Marks a generated ConfigMap until the end, with whether its name takes the content hash.
GENERATED = "__generated__"


class UnsupportedKustomization(Exception):
    """The manifests use a kustomize feature this renderer does not implement."""


def render(directory: Path) -> list[Manifest]:
    """Every object `kustomize build directory` would print, in the order they were declared."""
    objects = _build(directory, expected_kind="Kustomization")
    return _finish(objects)


def load_documents(path: Path) -> list[Manifest]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def pod_spec(manifest: Manifest) -> Manifest | None:
    """The pod template's spec of a workload, None for anything else."""
    if manifest.get("kind") in WORKLOADS:
        spec: Manifest = manifest["spec"]["template"]["spec"]
        return spec
    return None


def containers(spec: Manifest) -> Iterator[Manifest]:
    yield from spec.get("initContainers", [])
    yield from spec.get("containers", [])


# -- building -------------------------------------------------------------------------------


def _build(directory: Path, *, expected_kind: str) -> list[Manifest]:
    kustomization = _load_kustomization(directory, expected_kind)
    objects: list[Manifest] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        if path.is_dir():
            objects += _build(path, expected_kind="Kustomization")
        else:
            objects += load_documents(path)
    for component in kustomization.get("components", []):
        objects = _apply_component(objects, directory / component)
    return _generate_and_transform(objects, kustomization, directory)


def _apply_component(objects: list[Manifest], directory: Path) -> list[Manifest]:
    component = _load_kustomization(directory, "Component")
    for entry in component.get("resources", []):
        objects = objects + load_documents(directory / entry)
    return _generate_and_transform(objects, component, directory)


def _generate_and_transform(
    objects: list[Manifest], kustomization: Manifest, directory: Path
) -> list[Manifest]:
    for generator in kustomization.get("configMapGenerator", []):
        _generate(objects, generator, directory)
    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise UnsupportedKustomization(f"patch {patch}: only `path` is supported")
        for document in load_documents(directory / patch["path"]):
            _patch(objects, document)
    namespace = kustomization.get("namespace")
    if namespace:
        for manifest in objects:
            if manifest["kind"] not in CLUSTER_SCOPED:
                manifest["metadata"]["namespace"] = namespace
    for replica in kustomization.get("replicas", []):
        _set_replicas(objects, replica["name"], replica["count"])
    for image in kustomization.get("images", []):
        _set_image(objects, image)
    return objects


def _load_kustomization(directory: Path, expected_kind: str) -> Manifest:
    kustomization: Manifest = yaml.safe_load((directory / "kustomization.yaml").read_text())
    if kustomization.get("kind") != expected_kind:
        raise UnsupportedKustomization(f"{directory}: expected kind {expected_kind}")
    unknown = set(kustomization) - KUSTOMIZATION_FIELDS
    if unknown:
        raise UnsupportedKustomization(f"{directory}: unsupported fields {sorted(unknown)}")
    return kustomization


# -- generators -----------------------------------------------------------------------------


def _generate(objects: list[Manifest], generator: Manifest, directory: Path) -> None:
    unknown = set(generator) - GENERATOR_FIELDS
    if unknown:
        raise UnsupportedKustomization(f"configMapGenerator: unsupported {sorted(unknown)}")
    data: dict[str, str] = {}
    for literal in generator.get("literals", []):
        key, separator, value = literal.partition("=")
        if not separator:
            raise UnsupportedKustomization(f"literal without a value: {literal}")
        data[key] = value
    for entry in generator.get("files", []):
        key, separator, path = entry.partition("=")
        if not separator:
            key, path = Path(entry).name, entry
        data[key] = (directory / path).read_text()
    options = generator.get("options", {})
    unknown_options = set(options) - GENERATOR_OPTIONS
    if unknown_options:
        raise UnsupportedKustomization(f"generator options {sorted(unknown_options)}")
    name = generator["name"]
    behavior = generator.get("behavior", "create")
    existing = [m for m in objects if GENERATED in m and m["metadata"]["name"] == name]
    if behavior == "create":
        if existing:
            raise UnsupportedKustomization(f"ConfigMap {name} is generated twice")
        metadata: Manifest = {"name": name}
        for field in ("labels", "annotations"):
            if options.get(field):
                metadata[field] = dict(options[field])
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": metadata,
                "data": data,
                GENERATED: not options.get("disableNameSuffixHash", False),
            }
        )
    elif behavior in ("merge", "replace"):
        if len(existing) != 1:
            raise UnsupportedKustomization(f"no generated ConfigMap {name} to {behavior}")
        if options:
            raise UnsupportedKustomization(f"options on a {behavior} of ConfigMap {name}")
        if behavior == "replace":
            existing[0]["data"] = {}
        existing[0]["data"].update(data)
    else:
        raise UnsupportedKustomization(f"configMapGenerator behavior {behavior}")


def config_map_hash(name: str, data: dict[str, str]) -> str:
    """The suffix kustomize gives a generated ConfigMap: from its kind, name and content."""
    encoded = json.dumps(
        {"data": data, "kind": "ConfigMap", "name": name},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    # Go's encoding/json escapes these three; the hash is taken over what it produces.
    for character, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        encoded = encoded.replace(character, escape)
    digest = hashlib.sha256(encoded.encode()).hexdigest()[:10]
    return digest.translate(str.maketrans("013ae", "ghkmt"))


# -- transformers ---------------------------------------------------------------------------


def _patch(objects: list[Manifest], patch: Manifest) -> None:
    kind, name = patch["kind"], patch["metadata"]["name"]
    targets = [m for m in objects if m["kind"] == kind and m["metadata"]["name"] == name]
    if len(targets) != 1:
        raise UnsupportedKustomization(f"patch for {kind}/{name} matches {len(targets)} objects")
    merged = strategic_merge(targets[0], patch)
    targets[0].clear()
    targets[0].update(merged)


def strategic_merge(original: Manifest, patch: Manifest) -> Manifest:
    """`patch` merged into a copy of `original`: maps key by key, known lists item by item."""
    result = copy.deepcopy(original)
    for key, value in patch.items():
        if key.startswith("$"):
            raise UnsupportedKustomization(f"patch directive {key}")
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = strategic_merge(result[key], value)
        elif isinstance(value, list) and key in MERGE_KEYS and isinstance(result.get(key), list):
            result[key] = _merge_list(result[key], value, MERGE_KEYS[key])
        elif isinstance(value, list) and key not in MERGE_KEYS and key not in ATOMIC_LISTS:
            raise UnsupportedKustomization(f"patching the list {key}")
        else:
            result[key] = copy.deepcopy(value)
    return result


def _merge_list(original: list[Any], patch: list[Any], merge_key: str) -> list[Any]:
    result = copy.deepcopy(original)
    for item in patch:
        match = [i for i, present in enumerate(result) if present[merge_key] == item[merge_key]]
        if match:
            result[match[0]] = strategic_merge(result[match[0]], item)
        else:
            result.append(copy.deepcopy(item))
    return result


def _set_replicas(objects: list[Manifest], name: str, count: int) -> None:
    scalable = ("Deployment", "StatefulSet", "ReplicaSet")
    targets = [m for m in objects if m["kind"] in scalable and m["metadata"]["name"] == name]
    if not targets:
        raise UnsupportedKustomization(f"replicas for {name}: no such workload")
    for target in targets:
        target["spec"]["replicas"] = count


def _set_image(objects: list[Manifest], image: Manifest) -> None:
    if set(image) - {"name", "newName", "newTag"}:
        raise UnsupportedKustomization(f"images entry {image}")
    for manifest in objects:
        spec = pod_spec(manifest)
        for container in containers(spec) if spec else ():
            name, tag = split_image(container["image"])
            if name == image["name"]:
                name = image.get("newName", name)
                tag = image.get("newTag", tag)
                container["image"] = f"{name}:{tag}" if tag else name


def split_image(reference: str) -> tuple[str, str | None]:
    """`registry/name:tag` → (`registry/name`, `tag`); a port in the registry is not a tag."""
    slash = reference.rfind("/")
    colon = reference.rfind(":")
    if colon > slash:
        return reference[:colon], reference[colon + 1 :]
    return reference, None


# -- the end: generated names get their hash, and every reference follows --------------------


def _finish(objects: list[Manifest]) -> list[Manifest]:
    renamed: dict[str, str] = {}
    for manifest in objects:
        if manifest.pop(GENERATED, False):  # generated, and named by its content
            name = manifest["metadata"]["name"]
            renamed[name] = f"{name}-{config_map_hash(name, manifest['data'])}"
            manifest["metadata"]["name"] = renamed[name]
    for manifest in objects:
        spec = pod_spec(manifest)
        if spec is None:
            continue
        for volume in spec.get("volumes", []):
            if "configMap" in volume:
                _rename(volume["configMap"], renamed)
            for source in volume.get("projected", {}).get("sources", []):
                if "configMap" in source:
                    _rename(source["configMap"], renamed)
        for container in containers(spec):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    _rename(source["configMapRef"], renamed)
            for variable in container.get("env", []):
                reference = variable.get("valueFrom", {}).get("configMapKeyRef")
                if reference:
                    _rename(reference, renamed)
    return objects


def _rename(reference: Manifest, renamed: dict[str, str]) -> None:
    reference["name"] = renamed.get(reference["name"], reference["name"])
