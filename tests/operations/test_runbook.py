"""docs/operations.md: every command it shows is run by a test, and says what the code does.

The backup, restore and rotations run on a whole platform in test_backup_and_restore.py; the
rest of the guide's blocks run here.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from nowrongdoor.bus import Bus, ConsumerSpec
from nowrongdoor.cli import app
from nowrongdoor.contracts.events import CaseOpened
from nowrongdoor.deadletters import list_dead_letters
from nowrongdoor.embedded import EmbeddedNats
from nowrongdoor.envelope import Envelope
from nowrongdoor.metrics import CATALOGUE
from nowrongdoor.testing.apps import eventually

from .runbook import (
    CLUSTER,
    DEAD_LETTERS,
    EMBEDDED_NATS,
    GUIDE,
    ONE_MACHINE,
    ROOT,
    RUN_BY,
    Runbook,
    StandIns,
    blocks_run_by_no_test,
    blocks_starting,
    guide_blocks,
    runner_environment,
    runners_of,
)

ALERTS = {
    "NwdConsumerLagGrowing": ["nwd_consumer_pending_messages"],
    "NwdOutboxBacklogGrowing": ["nwd_outbox_backlog_messages", "nwd_outbox_oldest_age_seconds"],
    "NwdDeadLetters": ["nwd_dead_letters_total", "nwd_dead_letter_messages"],
    "NwdDeadlineBreachesSpiking": [
        "org.nowrongdoor.case.deadline-breached.v1",
        "nwd_events_published_total",
    ],
    "NwdServiceDown": ["`up`"],
    "NwdJetStreamStorageNearlyFull": [
        "nwd_jetstream_storage_used_bytes",
        "nwd_jetstream_storage_limit_bytes",
    ],
    "NwdHttpErrors": ["nwd_http_requests_total"],
    "NwdDeliveriesFailing": ["nwd_deliveries_total"],
}
DATABASES = ("gateway", "intake", "routing", "case-tracking", "notifications")


def opened() -> CaseOpened:
    return CaseOpened(
        reference="NWD-7K3M9QX2VD4H",
        status="routed",
        institution_ids=["ma-mediateur"],
        lead_institution_id="ma-mediateur",
        language="fr",
        opened_at=datetime.now(UTC),
    )


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


# -- the guide and its tests stay in step ------------------------------------------------------


def test_every_command_of_the_guide_is_run_by_a_test() -> None:
    blocks = guide_blocks()
    assert len(blocks) >= 20

    unrun = [f"line {block.line}: {block.commands[0]!r}" for block in blocks_run_by_no_test(blocks)]
    assert not unrun, (
        f"no test runs these blocks of docs/operations.md: {unrun}; run each in a test and list "
        "it in RUN_BY (tests/operations/runbook.py)"
    )
    for start in RUN_BY:
        assert len(blocks_starting(start, blocks)) == 1, f"RUN_BY: {start!r} starts no block"
    defined = {
        name
        for path in Path(__file__).parent.glob("test_*.py")
        for name in re.findall(r"^(?:async )?def (test_\w+)", path.read_text(), re.MULTILINE)
    }
    for start in RUN_BY:
        for test in runners_of(start):
            assert test in defined, f"RUN_BY names {test}, which is no test here"


def test_a_block_no_test_runs_is_found() -> None:
    text = '```sh\nnowrongdoor streams backup "$BACKUP_DIR"\n```\n```sh\nrm -rf /srv/data\n```\n'

    unrun = blocks_run_by_no_test(guide_blocks(text))

    assert [block.commands for block in unrun] == [("rm -rf /srv/data",)]


def test_a_test_that_leaves_out_a_block_it_claims_fails(tmp_path: Path) -> None:
    runbook = Runbook(EMBEDDED_NATS, cwd=tmp_path, env=runner_environment())

    with pytest.raises(AssertionError, match="did not run the guide's blocks"):
        runbook.finish()


def test_the_blocks_are_read_as_an_operator_types_them() -> None:
    text = "intro\n```sh\n# a comment\nfirst --flag \\\n  --more\n\nsecond\n```\n"

    [block] = guide_blocks(text)

    assert block.line == 2
    assert block.commands == ("first --flag  --more", "second")


def test_every_alert_has_its_anchor_and_names_its_metrics() -> None:
    text = guide()
    alerts = text[text.index("\n## Alerts") :]
    for alert, metrics in ALERTS.items():
        anchor = f'<a id="alert-{alert.lower()}"></a>\n### {alert}\n'
        assert anchor in alerts, f"no section for {alert} with its anchor"
        section = alerts[alerts.index(anchor) + len(anchor) :].split("\n### ", 1)[0]
        assert "**Means:**" in section and "**Do:**" in section, alert
        for metric in metrics:
            assert metric in section, f"{alert} does not name {metric}"
    named = set(re.findall(r"`(nwd_[a-z_]+)", text))
    assert named <= set(CATALOGUE), f"metrics that do not exist: {named - set(CATALOGUE)}"


def test_every_link_inside_the_guide_and_to_the_repository_leads_somewhere() -> None:
    text = guide()
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    anchors |= {
        re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)
    }
    for target in re.findall(r"\]\(([^)]+)\)", text):
        path, _, anchor = target.partition("#")
        if path:
            assert (GUIDE.parent / path).exists(), f"{target} leads nowhere"
        elif anchor:
            assert anchor in anchors, f"#{anchor} leads nowhere"


def test_every_command_the_guide_names_in_its_text_exists() -> None:
    named = set(re.findall(r"`nowrongdoor ((?:[a-z-]+ ?)+)", guide()))
    assert named
    runner = CliRunner()
    for words in named:
        result = runner.invoke(app, [*words.split(), "--help"])
        assert result.exit_code == 0, f"`nowrongdoor {words}` is no command: {result.output}"


def test_the_guide_is_linked_from_the_readme() -> None:
    assert "(docs/operations.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


# -- commands run against stand-ins of a cluster ---------------------------------------------


def test_cluster_commands_name_only_what_the_manifests_hold(tmp_path: Path) -> None:
    stand_ins = StandIns.install(tmp_path / "stand-ins")
    gateway_database = f"sqlite:///{tmp_path / 'gateway.db'}"
    stand_ins.put_secret("nowrongdoor-gateway", **{"database-url": gateway_database})
    runbook = Runbook(CLUSTER, cwd=ROOT, env=stand_ins.environment(runner_environment()))

    listed = runbook.run(
        "kubectl -n nowrongdoor exec deployment/gateway -- nowrongdoor clients list"
    )
    runbook.run("kubectl apply -k deploy/k8s/overlays/production")
    runbook.run("docker compose up -d --build --wait")
    autoscalers = runbook.run("kubectl -n nowrongdoor get hpa")
    runbook.run("kubectl -n nowrongdoor delete job migrations")
    runbook.run("kubectl -n nowrongdoor get pods")

    # The pod's command ran here, on the database its Deployment takes from the Secret.
    assert "no API clients yet" in listed.stdout
    assert set(autoscalers.stdout.split()) == set(DATABASES)
    assert ["kubectl", "apply", "-k", "deploy/k8s/overlays/production"] in stand_ins.calls()
    runbook.finish()


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("kubectl -n nowrongdoor rollout restart deployment/billing", "no Deployment named"),
        ("kubectl -n default get hpa", "needs -n nowrongdoor"),
        (
            "kubectl -n nowrongdoor get secret nowrongdoor-billing -o jsonpath='{.data.x}'",
            "no manifest uses a Secret named nowrongdoor-billing",
        ),
        (
            "kubectl -n nowrongdoor patch secret nowrongdoor-intake --type=merge "
            """-p '{"stringData": {"database_url": "x"}}'""",
            "no manifest reads database_url",
        ),
        ("kubectl apply -k deploy/k8s/overlays/staging", "no kustomization"),
        ("kubectl -n nowrongdoor port-forward service/nats 8080:8080", "has no port 8080"),
        ("kubectl -n nowrongdoor drain node-1", "does not know"),
        ("docker compose stop billing", "no service billing"),
    ],
)
def test_the_stand_ins_refuse_what_the_manifests_do_not_hold(
    tmp_path: Path, command: str, said: str
) -> None:
    stand_ins = StandIns.install(tmp_path / "stand-ins")
    stand_ins.put_secret("nowrongdoor-intake", **{"database-url": "sqlite:///x.db"})

    refused = subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        env=stand_ins.environment(runner_environment()),
        capture_output=True,
        text=True,
        check=False,
    )

    assert refused.returncode == 1
    assert said in refused.stderr


# -- one machine: SQLite files and the embedded NATS server's folder ---------------------------


def nowrongdoor(work: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["nowrongdoor", *arguments],
        cwd=work,
        env=runner_environment(),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


def dumped(database: Path) -> list[str]:
    connection = sqlite3.connect(database)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command is not installed")
def test_one_machine_databases_come_back_from_their_sqlite_backups(tmp_path: Path) -> None:
    work, backup = tmp_path / "work", tmp_path / "backup"
    work.mkdir()
    backup.mkdir()
    folder = work / ".nowrongdoor"
    nowrongdoor(work, "migrate")
    created = nowrongdoor(
        work,
        *("clients", "create", "--kind", "institution", "--institution", "ma-mediateur"),
        *("--name", "Médiateur desk", "--scope", "cases:read"),
    )
    client_id = re.search(r"client_id:\s*(\S+)", created)
    assert client_id
    (folder / "keys").mkdir()
    (folder / "keys" / "intake.keys").write_text("k1:" + "A" * 43 + "=\n")
    before = {name: dumped(folder / f"{name}.db") for name in DATABASES}
    runbook = Runbook(ONE_MACHINE, cwd=work, env=runner_environment())

    runbook.run('sqlite3 .nowrongdoor/gateway.db ".backup', BACKUP_DIR=str(backup))
    shutil.rmtree(folder)
    runbook.run("mkdir -p .nowrongdoor", BACKUP_DIR=str(backup))

    assert {name: dumped(folder / f"{name}.db") for name in DATABASES} == before
    assert (folder / "keys" / "intake.keys").read_text() == "k1:" + "A" * 43 + "=\n"
    assert (folder / "attachments").is_dir()
    assert client_id.group(1) in nowrongdoor(work, "clients", "list")
    runbook.finish()


async def test_the_embedded_nats_folder_comes_back_with_its_streams(tmp_path: Path) -> None:
    work, backup = tmp_path / "work", tmp_path / "backup"
    backup.mkdir()
    store = work / ".nowrongdoor" / "nats"
    with EmbeddedNats(store) as server:
        bus = await Bus.connect(server.url, name="tests", wait=5)
        try:
            await bus.ensure_streams()
            sent = [Envelope.wrap(opened(), source="/tests", subject="x") for _ in range(3)]
            for envelope in sent:
                await bus.publish(envelope, "case.opened")
        finally:
            await bus.close()
    runbook = Runbook(EMBEDDED_NATS, cwd=work, env=runner_environment())

    await asyncio.to_thread(
        runbook.run, 'cp -R .nowrongdoor/nats "$BACKUP_DIR/"', BACKUP_DIR=str(backup)
    )
    shutil.rmtree(work / ".nowrongdoor")
    (work / ".nowrongdoor").mkdir()
    await asyncio.to_thread(
        runbook.run, 'cp -R "$BACKUP_DIR/nats" .nowrongdoor/', BACKUP_DIR=str(backup)
    )

    with EmbeddedNats(store) as server:
        bus = await Bus.connect(server.url, name="tests", wait=5)
        try:
            kept = [
                (await bus.js.get_msg("CASES", sequence)).headers or {} for sequence in (1, 2, 3)
            ]
        finally:
            await bus.close()
    assert [headers["ce-id"] for headers in kept] == [envelope.id for envelope in sent]
    runbook.finish()


# -- dead letters --------------------------------------------------------------------------------


async def test_a_dead_letter_replayed_as_the_guide_says_is_handled_again(
    nats_url: str, bus_namespace: str, tmp_path: Path
) -> None:
    bus = await Bus.connect(nats_url, name="tests", namespace=bus_namespace, wait=5)
    await bus.ensure_streams()
    handled: list[str] = []
    broken = True

    async def downstream(envelope: Envelope) -> None:
        if broken:
            raise ConnectionError("the downstream system is away")
        handled.append(envelope.id)

    stop = asyncio.Event()
    spec = ConsumerSpec(
        durable="tests-flaky", subject="case.opened", handler=downstream, max_deliver=1
    )
    consuming = asyncio.create_task(bus.consume(spec, stop))
    runbook = Runbook(
        DEAD_LETTERS,
        cwd=tmp_path,
        env=runner_environment({"NWD_NATS_URL": nats_url, "NWD_BUS_NAMESPACE": bus_namespace}),
    )
    try:
        envelope = Envelope.wrap(opened(), source="/tests", subject="NWD-7K3M9QX2VD4H")
        await bus.publish(envelope, "case.opened")

        async def dead_lettered() -> list[Any]:
            return await list_dead_letters(bus)

        await eventually(dead_lettered)
        listed = await asyncio.to_thread(runbook.run, "nowrongdoor deadletters list")
        [line] = listed.stdout.splitlines()
        sequence, consumer, subject, event_id, reason = line.split()
        assert (consumer, subject, event_id, reason) == (
            "tests-flaky",
            "case.opened",
            envelope.id,
            "ConnectionError",
        )
        broken = False
        replayed = await asyncio.to_thread(
            runbook.run, "nowrongdoor deadletters replay", SEQUENCE=sequence
        )

        async def handled_again() -> bool:
            return handled == [envelope.id]

        await eventually(handled_again)
    finally:
        stop.set()
        await consuming
        await bus.close()
    assert f"replayed {sequence}: org.nowrongdoor.case.opened.v1 {envelope.id}" in replayed.stdout
    empty = await asyncio.to_thread(runbook.run, "nowrongdoor deadletters list")
    assert empty.stdout.strip() == "no dead letters"
    runbook.finish()
