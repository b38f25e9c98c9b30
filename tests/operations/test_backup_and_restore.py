"""The guide's backup, restore and rotations, run on a whole platform as an operator runs them.

A platform started with `nowrongdoor up` takes a complaint; it is stopped, backed up as
docs/operations.md says, thrown away — data folder, databases, streams, Redis keys — and
restored into new ones under a new bus namespace. The restored platform still shows the case to
its institution and to the complainant's receipt, and handles new complaints. Then the client
secret, the encryption keys and the token signing key are rotated by the guide's commands, and a
third start with only the new keys still opens everything.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy.engine import make_url

from nowrongdoor.auth import (
    API_AUDIENCE,
    InvalidToken,
    load_signing_key,
    load_verification_keys,
    verify_token,
)
from nowrongdoor.contracts.streams import STREAMS
from nowrongdoor.plugins import ServiceDeclaration
from nowrongdoor.testing.apps import eventually
from nowrongdoor.testing.plugin import (
    create_database,
    delete_namespace_streams,
    delete_prefixed_keys,
    drop_database,
    run_isolated,
)

from .e2e_helpers import complaint, file, follow_until, launched_platform
from .runbook import POSTGRESQL, RESTORE, SQLITE, Runbook, StandIns, runner_environment

DESCRIPTION = (
    "La commune ne répond plus à ma demande d'acte de naissance depuis cinq mois, "
    "malgré trois visites au guichet."
)
ANSWER = "Nous avons écrit à la commune ; réponse attendue sous quinze jours."
SEALING = ("intake", "case-tracking", "notifications")
SCALE_DOWN = (
    "kubectl -n nowrongdoor scale deployment/gateway deployment/intake deployment/routing "
    "deployment/case-tracking deployment/notifications --replicas=0"
)
SCALE_UP = SCALE_DOWN.replace("--replicas=0", "--replicas=3")


class Databases:
    """One PostgreSQL database per deployable, made and dropped here; or SQLite in the data
    folder when there is no PostgreSQL server."""

    def __init__(self, server: str | None, services: tuple[ServiceDeclaration, ...]) -> None:
        self.server = server
        self.services = [service for service in services if service.owns_database]
        self.made: list[str] = []
        # A run stopped before its drop leaves its databases behind; the next run must not
        # collide with them.
        self.run = uuid.uuid4().hex[:8]

    @property
    def kind(self) -> str:
        return SQLITE if self.server is None else POSTGRESQL

    def fresh(self, tag: str) -> dict[str, str]:
        """NWD_<SERVICE>_DATABASE_URL of a new, empty database each; nothing with SQLite."""
        if self.server is None:
            return {}
        server = self.server
        urls = {}
        for service in self.services:
            name = f"nwd_ops_{self.run}_{tag}_{service.env_name.lower()}"
            run_isolated(lambda name=name: create_database(server, name))  # type: ignore[misc]
            self.made.append(name)
            url = make_url(server).set(database=name)
            urls[service.database_variable] = url.render_as_string(hide_password=False)
        return urls

    def drop(self, urls: dict[str, str]) -> None:
        server = self.server
        if server is None:
            return
        for url in urls.values():
            name = str(make_url(url).database)
            run_isolated(lambda name=name: drop_database(server, name))  # type: ignore[misc]
            self.made.remove(name)

    def drop_all(self) -> None:
        server = self.server
        for name in list(self.made):
            run_isolated(lambda name=name: drop_database(server or "", name))  # type: ignore[misc]
        self.made.clear()


@pytest.fixture
def databases(
    nwd_postgres_server_url: str | None, declared_services: tuple[ServiceDeclaration, ...]
) -> Iterator[Databases]:
    made = Databases(nwd_postgres_server_url, declared_services)
    yield made
    made.drop_all()


@pytest.fixture
def namespaces(nats_url: str, redis_url: str) -> Iterator[list[str]]:
    """Bus namespaces (and Redis prefixes) the test uses; their streams and keys go afterwards."""
    used: list[str] = []
    yield used
    for namespace in used:
        run_isolated(lambda namespace=namespace: delete_namespace_streams(nats_url, namespace))  # type: ignore[misc]
        delete_prefixed_keys(redis_url, f"{namespace}:")


async def token(gateway: httpx.AsyncClient, client_id: str, secret: str) -> dict[str, str]:
    """An access token by the client credentials grant, as the header that carries it."""
    response = await gateway.post(
        "/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def settings(namespace: str, urls: dict[str, str], **more: str) -> dict[str, str]:
    return {"NWD_BUS_NAMESPACE": namespace, "NWD_REDIS_PREFIX": f"{namespace}:", **urls, **more}


def started(
    work: Path, nats_url: str, redis_url: str, env: dict[str, str]
) -> AbstractContextManager[Any]:
    """`nowrongdoor up` on the test's NATS and Redis, with these settings."""
    return launched_platform(
        work, nats_url=nats_url, redis_url=redis_url, postgres_url=None, extra_env=env
    )


async def case_as_complainant(gateway: httpx.AsyncClient, accepted: dict[str, str]) -> Any:
    response = await gateway.get(
        f"/v1/cases/{accepted['reference']}", headers={"X-Receipt": accepted["receipt"]}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def read_as_institution(
    gateway: httpx.AsyncClient, reference: str, headers: dict[str, str]
) -> tuple[Any, str]:
    case = await gateway.get(f"/v1/cases/{reference}", headers=headers)
    assert case.status_code == 200, case.text
    filed = await gateway.get(f"/v1/cases/{reference}/complaint", headers=headers)
    assert filed.status_code == 200, filed.text
    return case.json(), filed.text


async def consumers_caught_up(nats_url: str, namespace: str) -> bool:
    """Every durable consumer of the namespace has been given and has acknowledged everything."""
    connection = await nats.connect(nats_url)
    try:
        jetstream = connection.jetstream()
        for stream in STREAMS:
            name = f"{namespace.upper()}_{stream}"
            for consumer in await jetstream.consumers_info(name):
                if consumer.num_pending or consumer.num_ack_pending:
                    return False
        return True
    finally:
        await connection.close()


def printed(output: str, field: str) -> str:
    found = re.search(rf"^{field}:\s*(\S+)$", output, flags=re.MULTILINE)
    assert found, output
    return found.group(1)


async def test_a_restored_platform_still_knows_its_case_and_survives_every_rotation(
    tmp_path: Path,
    nats_url: str,
    redis_url: str,
    databases: Databases,
    namespaces: list[str],
    declared_services: tuple[ServiceDeclaration, ...],
) -> None:
    if databases.kind == SQLITE and shutil.which("sqlite3") is None:
        pytest.skip("the guide backs up SQLite files with the sqlite3 command, not installed here")
    work, backup = tmp_path / "work", tmp_path / "backup"
    data = work / "data"  # the data folder `launched_platform` gives `nowrongdoor up`
    work.mkdir()
    backup.mkdir()
    data.mkdir()
    # The guide's one-machine commands name the default data folder.
    (work / ".nowrongdoor").symlink_to("data", target_is_directory=True)
    stand_ins = StandIns.install(tmp_path / "stand-ins")
    base = stand_ins.environment(runner_environment({"NWD_NATS_URL": nats_url}))
    runbook = Runbook(RESTORE, cwd=work, env=base, database=databases.kind)
    first, second = f"o{uuid.uuid4().hex[:11]}", f"o{uuid.uuid4().hex[:11]}"
    namespaces += [first, second]
    first_urls = databases.fresh("a")

    # -- a complaint, its case, an institution's answer ----------------------------------------
    with started(work, nats_url, redis_url, settings(first, first_urls)) as platform:
        async with httpx.AsyncClient(base_url=platform.gateway, timeout=30) as gateway:
            accepted = await file(gateway, complaint(description=DESCRIPTION))
            await follow_until(gateway, accepted, "routed")
            reference = accepted["reference"]
            client_id, secret = platform.create_client(
                "institution", "ma-mediateur", "cases:read", "cases:write"
            )
            staff = await token(gateway, client_id, secret)
            answered = await gateway.post(
                f"/v1/cases/{reference}/messages",
                json={"body": ANSWER, "audience": "complainant"},
                headers=staff,
            )
            assert answered.status_code == 201, answered.text
            before = await case_as_complainant(gateway, accepted)
            assert [m["body"] for m in before["messages"]] == [ANSWER]

    # -- the backup, services stopped ----------------------------------------------------------
    runbook.run(SCALE_DOWN)
    if databases.kind == POSTGRESQL:
        for service in databases.services:
            stand_ins.put_secret(
                f"nowrongdoor-{service.name}",
                **{"database-url": first_urls[service.database_variable]},
            )
        runbook.run(
            "export NWD_GATEWAY_DATABASE_URL=", "pg_dump --format=custom", BACKUP_DIR=str(backup)
        )
        # In a cluster the keys live in Secrets, which a lost database leaves alone.
        kept_keys = shutil.copytree(data / "keys", tmp_path / "secret-store")
    else:
        runbook.run('sqlite3 .nowrongdoor/gateway.db ".backup', BACKUP_DIR=str(backup))
    runbook.run("kubectl -n nowrongdoor port-forward service/nats")
    backed_up = runbook.run(
        "nowrongdoor streams backup", BACKUP_DIR=str(backup), NWD_BUS_NAMESPACE=first
    )
    for stream in STREAMS:
        assert re.search(rf"^{stream}: \d+ messages", backed_up.stdout, re.MULTILINE), backed_up
    runbook.run(SCALE_UP)

    # -- everything thrown away ----------------------------------------------------------------
    shutil.rmtree(data)
    data.mkdir()
    run_isolated(lambda: delete_namespace_streams(nats_url, first))
    delete_prefixed_keys(redis_url, f"{first}:")
    databases.drop(first_urls)

    # -- the restore, into new databases and a new namespace -----------------------------------
    urls = databases.fresh("b")
    if databases.kind == POSTGRESQL:
        for service in databases.services:
            stand_ins.put_secret(
                f"nowrongdoor-{service.name}", **{"database-url": urls[service.database_variable]}
            )
        runbook.run(
            "export NWD_GATEWAY_DATABASE_URL=", "pg_restore --clean", BACKUP_DIR=str(backup)
        )
        shutil.copytree(kept_keys, data / "keys")
    else:
        runbook.run("mkdir -p .nowrongdoor", BACKUP_DIR=str(backup))
    restored = runbook.run(
        "nowrongdoor streams restore", BACKUP_DIR=str(backup), NWD_BUS_NAMESPACE=second
    )
    assert "restored" in restored.stdout and "into 5 streams" in restored.stdout, restored.stdout
    twice = runbook.run(
        "nowrongdoor streams restore", check=False, BACKUP_DIR=str(backup), NWD_BUS_NAMESPACE=second
    )
    assert twice.returncode == 1
    assert "not restoring" in twice.stderr and "--force" in twice.stderr
    migrated = runbook.run("nowrongdoor migrate", settings=urls)
    assert migrated.stdout.count("up to date") == len(databases.services), migrated.stdout

    # -- the restored platform -----------------------------------------------------------------
    with started(work, nats_url, redis_url, settings(second, urls)) as platform:
        async with httpx.AsyncClient(base_url=platform.gateway, timeout=30) as gateway:
            newer = await file(gateway, complaint())
            await follow_until(gateway, newer, "routed", timeout=60)
            await eventually(lambda: consumers_caught_up(nats_url, second), timeout=60)
            after = await case_as_complainant(gateway, accepted)
            assert after["status"] == "routed"
            assert [m["body"] for m in after["messages"]] == [ANSWER]
            kinds = [entry["kind"] for entry in after["timeline"]]
            assert kinds == [entry["kind"] for entry in before["timeline"]]
            assert kinds.count("received") == kinds.count("routed") == 1
            staff = await token(gateway, client_id, secret)
            case, filed = await read_as_institution(gateway, reference, staff)
            assert case["institutions"][0]["institution_id"] == "ma-mediateur"
            assert DESCRIPTION in filed

            rotated = runbook.run("nowrongdoor clients rotate", CLIENT_ID=client_id, settings=urls)
            assert "rotating until" in rotated.stdout
            new_secret = printed(rotated.stdout, "client_secret")
            assert new_secret != secret
            await token(gateway, client_id, secret)  # still valid for the grace period
            signed_before = await token(gateway, client_id, new_secret)

            now = datetime.now(UTC)
            failed = runbook.run(
                "nowrongdoor notifications failed",
                SINCE=(now - timedelta(hours=1)).isoformat(timespec="seconds"),
                UNTIL=now.isoformat(timespec="seconds"),
                settings=urls,
            )
            assert "0 failed deliveries" in failed.stdout and "0 replayed" in failed.stdout

    # -- the encryption keys, as in a cluster ----------------------------------------------------
    new_keys: dict[str, str] = {}
    for name in SEALING:
        [service] = [s for s in declared_services if s.name == name]
        held = {"database-url": service.database_url(data, urls)}
        keys_file = data / "keys" / f"{name}.keys"
        if keys_file.exists():
            held["encryption-keys"] = ",".join(keys_file.read_text().split())
        stand_ins.put_secret(f"nowrongdoor-{name}", **held)
        rotation = runbook.run('new_key="$(nowrongdoor keys generate)"', SERVICE=name)
        final = stand_ins.secret(f"nowrongdoor-{name}")["encryption-keys"]
        assert "," not in final and final != held.get("encryption-keys")
        assert f"under key {final.split(':')[0]}" in rotation.stdout or "nothing" in rotation.stdout
        assert f"{name}: done" in rotation.stdout, rotation.stdout
        new_keys[f"NWD_{service.env_name}_ENCRYPTION_KEYS"] = final
        keys_file.unlink(missing_ok=True)  # from now on only the new key exists

    # -- the token signing key: the new public key everywhere, then the gateway signs with it ---
    keys = work / "token-keys"
    keys.mkdir()
    current = (data / "keys" / "token-signing.pem").read_bytes()
    public = load_signing_key(current).private_key.public_key()
    stand_ins.put_secret("nowrongdoor-gateway", **{"token-signing.pem": current.decode()})
    stand_ins.put_secret(
        "nowrongdoor-token-verification-keys",
        **{
            "token-verification.pem": public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode()
        },
    )
    runbook.run("openssl genpkey -algorithm ed25519", cwd=keys)
    runbook.run("kubectl -n nowrongdoor patch secret nowrongdoor-gateway", cwd=keys)
    signing, bundle = keys / "mounted-signing.pem", keys / "mounted-verification.pem"
    signing.write_text(stand_ins.secret("nowrongdoor-gateway")["token-signing.pem"])
    bundle.write_text(
        stand_ins.secret("nowrongdoor-token-verification-keys")["token-verification.pem"]
    )
    next_key = load_signing_key(signing.read_bytes())
    assert next_key.public().key_id != load_signing_key(current).public().key_id
    assert {key.key_id for key in load_verification_keys(bundle.read_bytes())} == {
        load_signing_key(current).public().key_id,
        next_key.key_id,
    }

    # -- started again with nothing but the new keys -------------------------------------------
    rotated_env = settings(
        second,
        urls,
        **new_keys,
        NWD_GATEWAY_TOKEN_SIGNING_KEY_FILE=str(signing),
        NWD_TOKEN_VERIFICATION_KEYS_FILE=str(bundle),
    )
    with started(work, nats_url, redis_url, rotated_env) as platform:
        async with httpx.AsyncClient(base_url=platform.gateway, timeout=30) as gateway:
            # A token signed with the old key before the restart still works until it expires.
            still = await gateway.get(f"/v1/cases/{reference}", headers=signed_before)
            assert still.status_code == 200, still.text
            staff = await token(gateway, client_id, new_secret)
            case, filed = await read_as_institution(gateway, reference, staff)
            assert DESCRIPTION in filed
            assert ANSWER in [m["body"] for m in case["messages"]]
            followed = await case_as_complainant(gateway, accepted)
            assert [m["body"] for m in followed["messages"]] == [ANSWER]

    # -- and, its tokens expired, the old public key goes --------------------------------------
    runbook.run(
        "kubectl -n nowrongdoor create secret generic nowrongdoor-token-verification-keys "
        "--from-file=token-verification.pem=token-verification-next.pem",
        cwd=keys,
    )
    final_bundle = load_verification_keys(
        stand_ins.secret("nowrongdoor-token-verification-keys")["token-verification.pem"].encode()
    )
    assert [key.key_id for key in final_bundle] == [next_key.key_id]
    new_token = staff["Authorization"].removeprefix("Bearer ")
    assert verify_token(new_token, final_bundle, audience=API_AUDIENCE).client_id == client_id
    with pytest.raises(InvalidToken):
        verify_token(
            signed_before["Authorization"].removeprefix("Bearer "),
            final_bundle,
            audience=API_AUDIENCE,
        )
    assert not list(keys.glob("token-*.pem")), "the guide leaves no key file behind"
    runbook.finish()
