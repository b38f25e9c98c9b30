"""deploy/k8s/secrets: a template for every Secret the manifests read, every key and no value.

An installation fills a copy of each and applies it; no kustomization may apply the templates
themselves, which would replace the real Secrets with empty ones.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path, PurePosixPath

import pytest
import yaml

from .conftest import BUILDS, K8S, OVERLAYS
from .kustomize import Manifest, containers, load_documents
from .manifests import environment_of, referenced_secrets, rendered_at, workloads

TEMPLATES = K8S / "secrets"


@cache
def templates() -> dict[str, Manifest]:
    found: dict[str, Manifest] = {}
    for path in sorted(TEMPLATES.glob("*.yaml")):
        for document in load_documents(path):
            assert (document["apiVersion"], document["kind"]) == ("v1", "Secret"), path
            name = document["metadata"]["name"]
            assert name not in found, f"two templates of {name}"
            found[name] = document
    return found


def keys(template: Manifest) -> set[str]:
    return set(template.get("stringData") or {}) | set(template.get("data") or {})


@pytest.mark.parametrize("build", BUILDS)
def test_every_secret_the_manifests_read_has_a_template_with_that_key(
    build: str, build_directory: Callable[[str], Path]
) -> None:
    for name, key in referenced_secrets(rendered_at(build_directory(build))):
        assert name in templates(), f"deploy/k8s/secrets has no template of {name}"
        if key == "*":  # mounted whole: the files read from it are checked below
            assert keys(templates()[name]), name
        else:
            assert key in keys(templates()[name]), f"the template of {name} lacks {key}"


def test_every_key_of_a_template_is_one_the_manifests_read(
    build_directory: Callable[[str], Path],
) -> None:
    read = set().union(*(referenced_secrets(rendered_at(build_directory(b))) for b in BUILDS))
    for name, template in templates().items():
        for key in keys(template):
            assert (name, key) in read or (name, "*") in read, f"nothing reads {name}/{key}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_files_read_from_a_secret_mounted_whole_are_keys_of_its_template(
    overlay: str,
) -> None:
    checked = 0
    for _, spec in workloads(overlay):
        whole = {
            volume["name"]: volume["secret"]["secretName"]
            for volume in spec.get("volumes", [])
            if "secret" in volume and not volume["secret"].get("items")
        }
        for container in containers(spec):
            mounted = {
                mount["mountPath"]: whole[mount["name"]]
                for mount in container.get("volumeMounts", [])
                if mount["name"] in whole
            }
            for name, value in environment_of(overlay, container).items():
                file = PurePosixPath(value)
                if name.endswith("_FILE") and str(file.parent) in mounted:
                    assert file.name in keys(templates()[mounted[str(file.parent)]]), name
                    checked += 1
    assert checked, "no file is read from a Secret mounted whole"


def test_no_template_holds_a_value() -> None:
    assert templates()
    for name, template in templates().items():
        assert all(value == "" for value in (template.get("stringData") or {}).values()), name
        assert not any((template.get("data") or {}).values()), name


def test_no_kustomization_applies_the_templates() -> None:
    assert not (TEMPLATES / "kustomization.yaml").exists()
    for kustomization in K8S.rglob("kustomization.yaml"):
        document = yaml.safe_load(kustomization.read_text())
        entries = [
            *document.get("resources", []),
            *document.get("components", []),
            *(patch["path"] for patch in document.get("patches", []) if "path" in patch),
            *(
                entry.partition("=")[2] or entry
                for generator in document.get("configMapGenerator", [])
                for entry in generator.get("files", [])
            ),
        ]
        for entry in entries:
            target = (kustomization.parent / entry).resolve()
            assert not target.is_relative_to(TEMPLATES.resolve()), f"{kustomization}: {entry}"
