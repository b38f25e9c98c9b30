"""Stand-ins for `kubectl` and `docker compose`, for the guide's commands where no cluster runs.

Run as `python stand_ins.py kubectl ARGS…` (the tests put small `kubectl` and `docker` scripts
that do so first on PATH). Each call is checked against the repository's manifests — the
namespace, every object and Secret key it names must exist in `deploy/k8s/` or
`docker-compose.yml` — and recorded. Secrets live in a JSON file (NWD_STAND_IN_STATE) the test
fills, so `get secret`, `patch secret` and `create secret … | kubectl apply -f -` behave as a
cluster's would; `exec deployment/NAME -- COMMAND` runs COMMAND here with the environment the
Deployment's pods get from those Secrets. Anything else is refused, so a new kind of command in
the guide needs a stand-in that checks it.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAY = K8S / "overlays" / "production"
COMPOSE_FILE = ROOT / "docker-compose.yml"

KINDS = {
    "deployment": "Deployment",
    "deployments": "Deployment",
    "deploy": "Deployment",
    "job": "Job",
    "jobs": "Job",
    "service": "Service",
    "svc": "Service",
    "hpa": "HorizontalPodAutoscaler",
    "statefulset": "StatefulSet",
    "secret": "Secret",
    "pods": "Pod",
    "pod": "Pod",
}


class Refused(Exception):
    """The command names something the manifests do not hold, or is not one the stand-in knows."""


# -- what the manifests hold -----------------------------------------------------------------


@cache
def documents() -> tuple[dict[str, Any], ...]:
    found = []
    for path in sorted(K8S.rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text()):
            if isinstance(document, dict) and "kind" in document:
                found.append(document)
    return tuple(found)


@cache
def namespace() -> str:
    kustomization = yaml.safe_load((OVERLAY / "kustomization.yaml").read_text())
    return str(kustomization["namespace"])


def objects() -> set[tuple[str, str]]:
    return {(d["kind"], d["metadata"]["name"]) for d in documents() if "metadata" in d}


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


@cache
def secret_keys() -> dict[str, set[str]]:
    """Each Secret the manifests use, and the keys they read from it."""
    keys: dict[str, set[str]] = {}
    strings: set[str] = set()
    for path in sorted(K8S.rglob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            strings.update(node for node in _walk(document) if isinstance(node, str))
    for document in documents():
        for node in _walk(document):
            if not isinstance(node, dict):
                continue
            reference = node.get("secretKeyRef")
            if isinstance(reference, dict):
                keys.setdefault(reference["name"], set()).add(reference["key"])
            volume = node.get("secret")
            if isinstance(volume, dict) and "secretName" in volume:
                known = keys.setdefault(volume["secretName"], set())
                known.update(item["key"] for item in volume.get("items") or [])
    # A whole Secret mounted as a folder: its keys are the file names the settings point at.
    files = {text.rsplit("/", 1)[-1] for text in strings if text.startswith("/")}
    files |= {text.split("=", 1)[1].rsplit("/", 1)[-1] for text in strings if "=/" in text}
    for name, known in keys.items():
        keys[name] = known | {f for f in files if f.endswith(".pem")}
    return keys


def deployment_secret_env(name: str) -> list[tuple[str, str, str]]:
    """(variable, Secret, key) of every variable a Deployment's containers take from Secrets."""
    found = []
    for document in documents():
        if (document["kind"], document["metadata"]["name"]) != ("Deployment", name):
            continue
        # The base declares the containers; an overlay's patch of the same Deployment may not.
        pod = document.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers") or []:
            for variable in container.get("env") or []:
                reference = (variable.get("valueFrom") or {}).get("secretKeyRef")
                if reference:
                    found.append((variable["name"], reference["name"], reference["key"]))
    return found


# -- the state: Secrets and calls --------------------------------------------------------------


@contextlib.contextmanager
def state() -> Iterator[dict[str, Any]]:
    path = Path(os.environ["NWD_STAND_IN_STATE"])
    with path.open("r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        current = json.loads(handle.read() or "{}")
        current.setdefault("secrets", {})
        current.setdefault("calls", [])
        yield current
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(current, indent=1))


def record(tool: str, arguments: list[str]) -> None:
    with state() as current:
        current["calls"].append([tool, *arguments])


def stored_secret(name: str) -> dict[str, str]:
    with state() as current:
        secret: dict[str, str] | None = current["secrets"].get(name)
    if secret is None:
        raise Refused(f'Error from server (NotFound): secrets "{name}" not found')
    return secret


def store_secret(name: str, data: dict[str, str], *, merge: bool) -> None:
    check_secret(name, data)
    with state() as current:
        if merge:
            current["secrets"].setdefault(name, {}).update(data)
        else:
            current["secrets"][name] = dict(data)


def check_secret(name: str, data: dict[str, str]) -> None:
    known = secret_keys()
    if name not in known:
        raise Refused(f"no manifest uses a Secret named {name}")
    unknown = set(data) - known[name]
    if unknown:
        raise Refused(f"no manifest reads {', '.join(sorted(unknown))} from Secret {name}")


# -- kubectl ---------------------------------------------------------------------------------


def check_object(reference: str) -> tuple[str, str]:
    kind_name, _, name = reference.partition("/")
    kind = KINDS.get(kind_name.lower())
    if kind is None or not name:
        raise Refused(f"not a kind/name the stand-in knows: {reference}")
    if (kind, name) not in objects():
        raise Refused(f"no {kind} named {name} in deploy/k8s")
    return kind, name


def options(arguments: list[str]) -> tuple[list[str], dict[str, str]]:
    """Positional words, and `--name=value` / `-x value` options."""
    words: list[str] = []
    named: dict[str, str] = {}
    takes_value = {"-n", "--namespace", "-k", "-f", "-o", "-p", "-l", "--type", "--replicas"}
    iterator = iter(arguments)
    for argument in iterator:
        if argument.startswith("--") and "=" in argument:
            key, _, value = argument.partition("=")
            named.setdefault(key, value)
            if key in ("--from-file", "--from-literal"):
                named[f"{key}:{value}"] = value
        elif argument in takes_value:
            named[argument] = next(iterator)
        elif argument.startswith("-"):
            named[argument] = ""
        else:
            words.append(argument)
    return words, named


def kubectl(arguments: list[str]) -> int:
    if "--" in arguments:
        split = arguments.index("--")
        arguments, command = arguments[:split], arguments[split + 1 :]
    else:
        command = []
    words, named = options(arguments)
    given = named.get("-n") or named.get("--namespace")
    verb = words[0] if words else ""
    # `apply` takes the namespace from the kustomization or the manifest it is given.
    if verb != "apply" and given != namespace():
        raise Refused(f"kubectl {verb} needs -n {namespace()}, got {given!r}")
    if verb == "apply":
        return apply(named)
    if verb == "wait":
        if not named.get("--for", "").startswith("condition="):
            raise Refused("kubectl wait without --for=condition=…")
        targets = words[1:]
        if "--all" in named:
            kind = KINDS.get(targets[0])
            if not any(found == kind for found, _ in objects()):
                raise Refused(f"no {targets[0]} in deploy/k8s")
        else:
            for target in targets:
                check_object(target)
        return 0
    if verb in ("scale", "logs"):
        for target in words[1:]:
            check_object(target)
        if verb == "scale" and not named.get("--replicas", "").isdigit():
            raise Refused("kubectl scale without --replicas=N")
        return 0
    if verb == "rollout" and words[1:2] in (["restart"], ["status"]):
        for target in words[2:]:
            if check_object(target)[0] != "Deployment":
                raise Refused(f"rollout of {target}, not a Deployment")
        return 0
    if verb == "delete" and words[1:2] == ["job"]:
        for name in words[2:]:
            check_object(f"job/{name}")
        return 0
    if verb == "get":
        return get(words[1:], named)
    if verb == "create" and words[1:3] == ["secret", "generic"]:
        return create_secret(words[3], named)
    if verb == "patch" and words[1:2] == ["secret"]:
        return patch_secret(words[2], named)
    if verb == "port-forward":
        kind, name = check_object(words[1])
        _, remote = words[2].split(":")
        ports = [
            port["port"]
            for d in documents()
            if (d["kind"], d["metadata"]["name"]) == (kind, name)
            for port in d["spec"]["ports"]
        ]
        if int(remote) not in ports:
            raise Refused(f"{words[1]} has no port {remote}")
        return 0
    if verb == "exec":
        kind, name = check_object(words[1])
        if kind != "Deployment" or not command:
            raise Refused("kubectl exec deployment/NAME -- COMMAND is all the stand-in runs")
        return exec_in(name, command)
    raise Refused(f"the stand-in does not know `kubectl {' '.join(arguments)}`")


def apply(named: dict[str, str]) -> int:
    if "-k" in named:
        folder = (Path.cwd() / named["-k"]).resolve()
        if not (folder / "kustomization.yaml").is_file() or K8S not in folder.parents:
            raise Refused(f"{named['-k']} is no kustomization under deploy/k8s")
        return 0
    if named.get("-f") == "-":
        document = yaml.safe_load(sys.stdin.read())
        if document.get("kind") != "Secret":
            raise Refused("kubectl apply -f - is used here for Secrets only")
        metadata = document["metadata"]
        if metadata.get("namespace") != namespace():
            raise Refused(f"the Secret is meant for namespace {metadata.get('namespace')!r}")
        data = {key: base64.b64decode(value).decode() for key, value in document["data"].items()}
        store_secret(metadata["name"], data, merge=False)
        return 0
    raise Refused("kubectl apply needs -k FOLDER or -f -")


def get(words: list[str], named: dict[str, str]) -> int:
    kind = KINDS.get(words[0]) if words else None
    if kind == "HorizontalPodAutoscaler":
        for d in documents():
            if d["kind"] == kind:
                print(d["metadata"]["name"])
        return 0
    if kind == "Pod":
        selector = named.get("-l", "")
        key, _, value = selector.partition("=")
        labels = [
            node.get(key)
            for d in documents()
            if d["kind"] in ("Deployment", "StatefulSet")
            for node in _walk(d.get("spec", {}).get("template", {}).get("metadata", {}))
            if isinstance(node, dict)
        ]
        if value not in labels:
            raise Refused(f"no pod carries the label {selector}")
        return 0
    if kind == "Secret":
        name = words[1]
        check_secret(name, {})
        found = re.fullmatch(r"\{\.data\.(.+)\}", named.get("-o", "").removeprefix("jsonpath="))
        if not found:
            raise Refused("kubectl get secret is used with -o jsonpath='{.data.KEY}' only")
        key = found.group(1).replace("\\.", ".")
        check_secret(name, {key: ""})
        held = stored_secret(name).get(key)
        if held is not None:
            sys.stdout.write(base64.b64encode(held.encode()).decode())
        return 0
    raise Refused(f"the stand-in does not know `kubectl get {' '.join(words)}`")


def create_secret(name: str, named: dict[str, str]) -> int:
    data: dict[str, str] = {}
    for key, value in named.items():
        if key.startswith("--from-file:"):
            field, _, path = value.rpartition("=")
            data[field or Path(path).name] = Path(path).read_text()
        elif key.startswith("--from-literal:"):
            field, _, literal = value.partition("=")
            data[field] = literal
    check_secret(name, data)
    if named.get("--dry-run") != "client" or named.get("-o") != "yaml":
        raise Refused("secrets are created here only as `--dry-run=client -o yaml`")
    sys.stdout.write(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": name, "namespace": namespace()},
                "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
            }
        )
    )
    return 0


def patch_secret(name: str, named: dict[str, str]) -> int:
    if named.get("--type") != "merge":
        raise Refused("secrets are patched here with --type=merge only")
    stored_secret(name)
    patch = json.loads(named["-p"])
    data = {k: base64.b64decode(v).decode() for k, v in (patch.get("data") or {}).items()}
    data |= patch.get("stringData") or {}
    if not data or set(patch) - {"data", "stringData"}:
        raise Refused(f"a Secret patch changes data or stringData, not {sorted(patch)}")
    store_secret(name, data, merge=True)
    return 0


def exec_in(deployment: str, command: list[str]) -> int:
    """COMMAND here, with what the Deployment's pods take from the stored Secrets."""
    environment = dict(os.environ)
    with state() as current:
        secrets = current["secrets"]
    for variable, secret, key in deployment_secret_env(deployment):
        value = secrets.get(secret, {}).get(key)
        if value is not None:
            environment[variable] = value
    return subprocess.run(command, env=environment, check=False).returncode


# -- docker compose --------------------------------------------------------------------------


def docker(arguments: list[str]) -> int:
    if arguments[:1] != ["compose"]:
        raise Refused(f"the stand-in knows `docker compose` only, not `docker {arguments}`")
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    words, named = options(arguments[1:])
    if words == ["up"] and {"-d", "--build", "--wait"} <= named.keys():
        return 0
    if words[:1] in (["stop"], ["start"]):
        unknown = set(words[1:]) - set(compose["services"])
        if unknown:
            raise Refused(f"docker-compose.yml has no service {', '.join(sorted(unknown))}")
        return 0
    raise Refused(f"the stand-in does not know `docker {' '.join(arguments)}`")


def main() -> int:
    tool, arguments = sys.argv[1], sys.argv[2:]
    record(tool, arguments)
    try:
        return kubectl(arguments) if tool == "kubectl" else docker(arguments)
    except Refused as refusal:
        print(f"stand-in {tool}: {refusal}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
