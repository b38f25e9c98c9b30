"""Every YAML file of the deployment is clean by yamllint's standards (deploy/yamllint.yaml)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import COMPOSE_FILE, ROOT


def test_yamllint_finds_nothing() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "yamllint",
            "--strict",
            "--format",
            "parsable",
            "--config-file",
            str(ROOT / "deploy" / "yamllint.yaml"),
            str(COMPOSE_FILE),
            str(ROOT / "deploy"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
