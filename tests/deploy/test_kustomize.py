"""The offline renderer: kustomize's semantics for what it supports, a refusal for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from .kustomize import UnsupportedKustomization, config_map_hash, render, strategic_merge


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
