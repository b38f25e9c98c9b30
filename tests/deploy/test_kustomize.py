"""The offline renderer: kustomize's semantics for what it supports, a refusal for the rest, and
the same objects as `kubectl kustomize` builds wherever kubectl is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import BUILDS
from .kustomize import (
    Manifest,
    UnsupportedKustomization,
    config_map_hash,
    render,
    strategic_merge,
)


def test_a_strategic_merge_merges_named_items_and_replaces_plain_lists() -> None:
    original = {
        "containers": [
            {"name": "a", "args": ["x"], "env": [{"name": "ONE", "value": "1"}]},
            {"name": "b"},
        ]
    }
    patch = {"containers": [{"name": "a", "args": ["y"], "env": [{"name": "TWO", "value": "2"}]}]}
    assert strategic_merge(original, patch) == {
        "containers": [
            {
                "name": "a",
                "args": ["y"],
                "env": [{"name": "ONE", "value": "1"}, {"name": "TWO", "value": "2"}],
            },
            {"name": "b"},
        ]
    }


def test_what_the_renderer_does_not_implement_is_refused(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "commonLabels:\n  team: complaints\n"
    )
    with pytest.raises(UnsupportedKustomization, match="commonLabels"):
        render(tmp_path)
    with pytest.raises(UnsupportedKustomization, match="tolerations"):
        strategic_merge({"tolerations": []}, {"tolerations": [{"key": "x"}]})


def test_a_generated_config_map_is_renamed_by_its_content_and_references_follow(
    tmp_path: Path,
) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources: [pod.yaml]\n"
        "configMapGenerator:\n  - name: settings\n    literals: [A=1]\n"
    )
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: job}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: c\n          image: i:1\n"
        "          envFrom: [{configMapRef: {name: settings}}]\n"
    )
    job, config_map = render(tmp_path)
    suffix = config_map_hash("settings", {"A": "1"})
    assert config_map["metadata"]["name"] == f"settings-{suffix}"
    assert suffix != config_map_hash("settings", {"A": "2"})
    [source] = job["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    assert source["configMapRef"]["name"] == f"settings-{suffix}"


def test_generator_options_label_the_config_map_and_may_keep_its_name(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "configMapGenerator:\n  - name: fixed\n    literals: [A=1]\n"
        "    options: {disableNameSuffixHash: true, labels: {picked: 'yes'}}\n"
        "  - name: hashed\n    literals: [A=1]\n"
    )
    fixed, hashed = render(tmp_path)
    assert fixed["metadata"] == {"name": "fixed", "labels": {"picked": "yes"}}
    assert hashed["metadata"] == {"name": f"hashed-{config_map_hash('hashed', {'A': '1'})}"}
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "configMapGenerator:\n  - name: fixed\n    literals: [A=1]\n"
        "    options: {immutable: true}\n"
    )
    with pytest.raises(UnsupportedKustomization, match="immutable"):
        render(tmp_path)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl installed here")
@pytest.mark.parametrize("build", BUILDS)
def test_kubectl_kustomize_builds_what_the_renderer_renders(
    build: str, build_directory: Callable[[str], Path]
) -> None:
    directory = build_directory(build)
    result = subprocess.run(
        ["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    built = [document for document in yaml.safe_load_all(result.stdout) if document]
    # Generated names carry a content hash; compare the objects with it taken off.
    assert by_identity(built) == by_identity(render(directory))


def by_identity(manifests: list[Manifest]) -> dict[tuple[str, str], Manifest]:
    hashed = re.compile(r"^(.+)-[2456789bcdfghkmt]{10}$")
    names = {
        m["metadata"]["name"]: hashed.sub(r"\1", m["metadata"]["name"])
        for m in manifests
        if m["kind"] == "ConfigMap"
    }

    def unhashed(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: unhashed(item) for key, item in value.items()}
        if isinstance(value, list):
            return [unhashed(item) for item in value]
        return names.get(value, value) if isinstance(value, str) else value

    return {
        (m["kind"], names.get(m["metadata"]["name"], m["metadata"]["name"])): unhashed(m)
        for m in manifests
    }
