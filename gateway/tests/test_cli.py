"""`nowrongdoor clients …` as an operator uses it, against the database the gateway reads."""

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import text
from typer.testing import CliRunner, Result

from gateway.settings import GatewaySettings
from nowrongdoor.cli import app as nowrongdoor
from nowrongdoor.db import create_engine
from nowrongdoor.supervisor import PlatformConfig, child_environ, plan_platform

from .api_clients import Registered, token_request

runner = CliRunner()
GRANT = {"grant_type": "client_credentials"}


@pytest.fixture
def clients(database_url: str, tmp_path: Path) -> "Operator":
    return Operator(database_url, tmp_path / "operator")


class Operator:
    """Runs the command line as an operator would, on the test's gateway database."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.env = {"NWD_GATEWAY_DATABASE_URL": database_url}
        self.data_dir = data_dir

    def run(self, *args: str) -> Result:
        return runner.invoke(
            nowrongdoor, ["clients", *args, "--data-dir", str(self.data_dir)], env=self.env
        )

    async def arun(self, *args: str) -> Result:
        # The command runs its own event loop, so it cannot share the test's.
        return await asyncio.to_thread(self.run, *args)

    async def create(self, *args: str) -> Registered:
        result = await self.arun("create", *args)
        assert result.exit_code == 0, result.output
        return Registered(printed(result, "client_id"), printed(result, "client_secret"))


def printed(result: Result, label: str) -> str:
    found = re.search(rf"^{label}:\s+(\S+)$", result.stdout, re.MULTILINE)
    assert found, result.output
    return found.group(1)


CNDH = ("--kind", "institution", "--institution", "ma-cndh", "--name", "CNDH case system")


async def test_a_created_client_gets_a_token_with_the_secret_printed_once(
    clients: Operator, client: httpx.AsyncClient
) -> None:
    result = await clients.arun("create", *CNDH, "--scope", "cases:read", "--scope", "cases:write")

    assert result.exit_code == 0, result.output
    assert "will not be shown again" in result.stderr
    created = Registered(printed(result, "client_id"), printed(result, "client_secret"))
    assert created.client_id.startswith("nwdc_") and len(created.client_id) == 25
    response = await token_request(client, GRANT, created.basic())
    assert response.status_code == 200
    assert response.json()["scope"] == "cases:read cases:write"


async def test_the_list_shows_clients_and_never_a_secret(clients: Operator) -> None:
    created = await clients.create(*CNDH, "--scope", "cases:read")

    listed = await clients.arun("list")

    assert listed.exit_code == 0
    line = next(line for line in listed.stdout.splitlines() if created.client_id in line)
    assert "institution" in line and "ma-cndh" in line and "CNDH case system" in line
    assert "cases:read" in line and "active" in line
    assert created.secret not in listed.output
    assert "nwds_" not in listed.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--kind", "institution", "--name", "x", "--scope", "cases:read"), "--institution"),
        ((*CNDH, "--scope", "cases:everything"), "unknown scope cases:everything"),
        (("--kind", "bank", "--name", "x", "--scope", "cases:read"), "unknown kind"),
        ((*CNDH, "--scope", "clients:admin"), "only an admin client"),
    ],
)
def test_invalid_clients_are_refused_with_a_clear_error(
    clients: Operator, arguments: tuple[str, ...], message: str
) -> None:
    result = clients.run("create", *arguments)

    assert result.exit_code == 2
    assert message in result.output
    assert "client_secret" not in result.output


async def test_rotation_prints_a_new_secret_and_the_old_one_works_during_the_grace(
    clients: Operator, client: httpx.AsyncClient
) -> None:
    created = await clients.create(*CNDH, "--scope", "cases:read")

    result = await clients.arun("rotate", created.client_id, "--grace-hours", "24")

    assert result.exit_code == 0, result.output
    renewed = Registered(created.client_id, printed(result, "client_secret"))
    assert renewed.secret != created.secret
    assert (await token_request(client, GRANT, created.basic())).status_code == 200
    assert (await token_request(client, GRANT, renewed.basic())).status_code == 200
    listed = await clients.arun("list")
    assert "rotating until" in listed.stdout


async def test_rotation_with_no_grace_retires_the_old_secret_at_once(
    clients: Operator, client: httpx.AsyncClient
) -> None:
    created = await clients.create(*CNDH, "--scope", "cases:read")

    result = await clients.arun("rotate", created.client_id, "--grace-hours", "0")

    assert result.exit_code == 0
    assert (await token_request(client, GRANT, created.basic())).status_code == 401


async def test_a_revoked_client_gets_no_token_and_cannot_be_rotated(
    clients: Operator, client: httpx.AsyncClient
) -> None:
    created = await clients.create(*CNDH, "--scope", "cases:read")

    revoked = await clients.arun("revoke", created.client_id)
    again = await clients.arun("revoke", created.client_id)
    rotated = await clients.arun("rotate", created.client_id)

    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert again.exit_code == 0 and "already revoked" in again.stdout
    assert rotated.exit_code == 1 and "revoked" in rotated.output
    assert (await token_request(client, GRANT, created.basic())).status_code == 401
    assert "revoked" in (await clients.arun("list")).stdout


def test_an_unknown_client_cannot_be_rotated_or_revoked(clients: Operator) -> None:
    for command in ("rotate", "revoke"):
        result = clients.run(command, "nwdc_doesnotexist000000")
        assert result.exit_code == 1
        assert "no API client nwdc_doesnotexist000000" in result.output


def test_migrate_covers_the_gateway_database(database_url: str, tmp_path: Path) -> None:
    result = runner.invoke(
        nowrongdoor,
        ["migrate", "gateway", "--data-dir", str(tmp_path)],
        env={"NWD_GATEWAY_DATABASE_URL": database_url},
    )

    assert result.exit_code == 0, result.output
    assert "gateway: up to date" in result.output


def test_up_hands_the_gateway_its_database_url_and_no_one_else(tmp_path: Path) -> None:
    url = "postgresql://postgres@db/gateway"
    config = PlatformConfig.from_environ({"NWD_GATEWAY_DATABASE_URL": url}, data_dir=tmp_path)
    specs = {spec.name: spec for spec in plan_platform(config).specs}

    assert specs["gateway"].env["NWD_GATEWAY_DATABASE_URL"] == url
    intake = child_environ({"NWD_GATEWAY_DATABASE_URL": url}, specs["intake"].env)
    assert "NWD_GATEWAY_DATABASE_URL" not in intake


async def test_the_audit_trail_records_who_did_what_and_cannot_be_rewritten(
    clients: Operator, database_url: str
) -> None:
    created = await clients.create(*CNDH, "--scope", "cases:read")
    await clients.arun("revoke", created.client_id)

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT action, actor FROM client_audit WHERE client_id = :id ORDER BY id"
                    ),
                    {"id": created.client_id},
                )
            ).all()
        assert [action for action, _actor in rows] == ["created", "revoked"]
        assert all(actor.startswith("cli") for _action, actor in rows)
        for statement in (
            "UPDATE client_audit SET actor = 'someone else'",
            "DELETE FROM client_audit",
        ):
            with pytest.raises(Exception, match="append-only"):
                async with engine.begin() as connection:
                    await connection.execute(text(statement))
    finally:
        await engine.dispose()


def test_production_refuses_to_keep_api_clients_in_the_default_sqlite_file(tmp_path: Path) -> None:
    def production(database_url: str | None) -> GatewaySettings:
        return GatewaySettings(
            environment="production",
            data_dir=tmp_path,
            database_url=database_url,
            secret_key="k" * 32,
            token_signing_key_file=tmp_path / "signing.pem",
        )

    with pytest.raises(ValidationError, match="NWD_GATEWAY_DATABASE_URL must be set"):
        production(None)
    url = "postgresql://gw@db/gateway"
    assert production(url).resolved_database_url() == url
    assert GatewaySettings(data_dir=tmp_path).resolved_database_url().endswith("/gateway.db")
