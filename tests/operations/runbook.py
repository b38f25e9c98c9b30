"""The operator's guide, docs/operations.md, as the tests read it and run it.

Its shell commands live in ```sh blocks. A test runs a block — found by the start of its first
command — as one bash script with `set -euo pipefail`, the values the guide names in capitals
(`$BACKUP_DIR`, `$SERVICE`, …) given as environment variables, as an operator runs it. `RUN_BY`
says which test runs each block: `test_runbook.py` checks every block of the guide is listed
there, and each test checks, when it ends, that it ran every block listed for it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "operations.md"
STAND_INS = Path(__file__).with_name("stand_ins.py")

POSTGRESQL = "postgresql"
SQLITE = "sqlite"

CLUSTER = "test_cluster_commands_name_only_what_the_manifests_hold"
ONE_MACHINE = "test_one_machine_databases_come_back_from_their_sqlite_backups"
EMBEDDED_NATS = "test_the_embedded_nats_folder_comes_back_with_its_streams"
DEAD_LETTERS = "test_a_dead_letter_replayed_as_the_guide_says_is_handled_again"
RESTORE = "test_a_restored_platform_still_knows_its_case_and_survives_every_rotation"

RUN_BY: dict[str, tuple[str, ...]] = {
    # The start of a block's first command → the tests that run the block; `[postgresql]` or
    # `[sqlite]` after a name: only when that test's databases are of that kind.
    "kubectl -n nowrongdoor exec deployment/gateway -- nowrongdoor clients list": (CLUSTER,),
    "kubectl apply -k deploy/k8s/overlays/production": (CLUSTER,),
    "docker compose up -d --build --wait": (CLUSTER,),
    "kubectl -n nowrongdoor get hpa": (CLUSTER,),
    "kubectl -n nowrongdoor scale deployment/gateway deployment/intake deployment/routing "
    "deployment/case-tracking deployment/notifications --replicas=0": (RESTORE,),
    "export NWD_GATEWAY_DATABASE_URL=": (f"{RESTORE}[{POSTGRESQL}]",),
    "pg_dump --format=custom": (f"{RESTORE}[{POSTGRESQL}]",),
    "kubectl -n nowrongdoor port-forward service/nats": (RESTORE,),
    "nowrongdoor streams backup": (RESTORE,),
    "kubectl -n nowrongdoor scale deployment/gateway deployment/intake deployment/routing "
    "deployment/case-tracking deployment/notifications --replicas=3": (RESTORE,),
    'sqlite3 .nowrongdoor/gateway.db ".backup': (ONE_MACHINE, f"{RESTORE}[{SQLITE}]"),
    'cp -R .nowrongdoor/nats "$BACKUP_DIR/"': (EMBEDDED_NATS,),
    "pg_restore --clean": (f"{RESTORE}[{POSTGRESQL}]",),
    "nowrongdoor streams restore": (RESTORE,),
    "mkdir -p .nowrongdoor": (ONE_MACHINE, f"{RESTORE}[{SQLITE}]"),
    'cp -R "$BACKUP_DIR/nats" .nowrongdoor/': (EMBEDDED_NATS,),
    'new_key="$(nowrongdoor keys generate)"': (RESTORE,),
    "nowrongdoor clients rotate": (RESTORE,),
    "openssl genpkey -algorithm ed25519": (RESTORE,),
    "kubectl -n nowrongdoor patch secret nowrongdoor-gateway": (RESTORE,),
    "kubectl -n nowrongdoor create secret generic nowrongdoor-token-verification-keys "
    "--from-file=token-verification.pem=token-verification-next.pem": (RESTORE,),
    "nowrongdoor deadletters list": (DEAD_LETTERS,),
    "nowrongdoor deadletters replay": (DEAD_LETTERS,),
    "kubectl -n nowrongdoor delete job migrations": (CLUSTER,),
    "nowrongdoor migrate": (RESTORE,),
    "kubectl -n nowrongdoor get pods": (CLUSTER,),
    "nowrongdoor notifications failed": (RESTORE,),
}


@dataclass(frozen=True)
class Block:
    """One ```sh block: where it starts in the guide, and its commands."""

    line: int
    commands: tuple[str, ...]
    script: str


def guide_blocks(text: str | None = None) -> list[Block]:
    """Every ```sh block of the guide, comments and blank lines left out of `commands`."""
    text = GUIDE.read_text(encoding="utf-8") if text is None else text
    blocks = []
    for found in re.finditer(r"^```sh\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL):
        script = found.group(1)
        commands: list[str] = []
        pending = ""
        for raw in script.splitlines():
            line = raw.strip()
            if not pending and (not line or line.startswith("#")):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            commands.append(pending + line)
            pending = ""
        blocks.append(Block(text.count("\n", 0, found.start()) + 1, tuple(commands), script))
    return blocks


def blocks_run_by_no_test(blocks: list[Block]) -> list[Block]:
    """The blocks no RUN_BY entry claims, or more than one does."""
    return [
        block
        for block in blocks
        if len([start for start in RUN_BY if block.commands[0].startswith(start)]) != 1
    ]


def blocks_starting(start: str, blocks: list[Block] | None = None) -> list[Block]:
    return [b for b in blocks or guide_blocks() if b.commands and b.commands[0].startswith(start)]


def runners_of(start: str) -> dict[str, str | None]:
    """The tests that run a block, each with the kind of database it needs (None: any)."""
    found: dict[str, str | None] = {}
    for entry in RUN_BY[start]:
        name, _, condition = entry.partition("[")
        found[name] = condition.rstrip("]") or None
    return found


def runner_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment without the platform's settings, with this virtualenv's commands first."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NWD_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env |= extra or {}
    return env


@dataclass
class Runbook:
    """Runs the guide's blocks for one test, and checks at the end it ran all of its own."""

    test: str
    cwd: Path
    env: dict[str, str]
    database: str | None = None
    ran: set[str] = field(default_factory=set)

    def run(
        self,
        start: str,
        *more: str,
        check: bool = True,
        cwd: Path | None = None,
        settings: Mapping[str, str] | None = None,
        **values: str,
    ) -> subprocess.CompletedProcess[str]:
        """The blocks starting so, one after another in one shell, in `cwd`; `values` fill the
        guide's `$NAMES`, `settings` are more `NWD_*` variables."""
        scripts = [self._block(s).script for s in (start, *more)]
        self.ran.update((start, *more))
        completed = subprocess.run(
            ["bash", "-c", "set -euo pipefail\n" + "\n".join(scripts)],
            cwd=cwd or self.cwd,
            env=self.env | dict(settings or {}) | values,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check and completed.returncode != 0:
            raise AssertionError(
                f"the guide's commands failed ({completed.returncode}):\n{''.join(scripts)}\n"
                f"--- stdout\n{completed.stdout}\n--- stderr\n{completed.stderr}"
            )
        return completed

    def _block(self, start: str) -> Block:
        if start not in RUN_BY:
            raise AssertionError(f"RUN_BY lists no block starting {start!r}")
        tests = runners_of(start)
        if self.test not in tests:
            raise AssertionError(f"RUN_BY does not say {self.test} runs {start!r}")
        [block] = blocks_starting(start)
        return block

    def finish(self) -> None:
        """Every block RUN_BY gives this test (for its kind of database) has run."""
        owed = {
            start
            for start in RUN_BY
            if self.test in runners_of(start)
            and runners_of(start)[self.test] in (None, self.database)
        }
        missing = owed - self.ran
        assert not missing, f"{self.test} did not run the guide's blocks {sorted(missing)}"


@dataclass
class StandIns:
    """`kubectl` and `docker` stand-ins on PATH, sharing Secrets through a state file."""

    bin: Path
    state: Path

    @classmethod
    def install(cls, folder: Path) -> StandIns:
        folder.mkdir(parents=True, exist_ok=True)
        state = folder / "state.json"
        state.write_text("{}")
        for tool in ("kubectl", "docker"):
            script = folder / tool
            script.write_text(
                f'#!/bin/sh\nexec "{sys.executable}" "{STAND_INS}" {tool} "$@"\n',
                encoding="utf-8",
            )
            script.chmod(0o755)
        return cls(folder, state)

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        env = dict(base)
        env["PATH"] = os.pathsep.join([str(self.bin), env.get("PATH", "")])
        env["NWD_STAND_IN_STATE"] = str(self.state)
        return env

    def _read(self) -> dict[str, Any]:
        current: dict[str, Any] = json.loads(self.state.read_text() or "{}")
        current.setdefault("secrets", {})
        current.setdefault("calls", [])
        return current

    def secret(self, name: str) -> dict[str, str]:
        found: dict[str, str] = self._read()["secrets"].get(name, {})
        return found

    def put_secret(self, name: str, **data: str) -> None:
        current = self._read()
        current["secrets"].setdefault(name, {}).update(data)
        self.state.write_text(json.dumps(current, indent=1))

    def calls(self) -> list[list[str]]:
        found: list[list[str]] = self._read()["calls"]
        return found
