"""A service's database schema brought up to date, or awaited, before the service serves.

By default this runs in a child process (`python -m nowrongdoor.schema`). Alembic and the
migration scripts take about 12 MB once imported, and a running service never needs them again;
the child gives that memory back when it exits. With `NWD_MIGRATIONS_APART=false` the work
runs in the service's own process instead, which the tests use to start services quickly.

The child reads the database URL from its environment, never from its command line, so a
password in the URL does not show in the process list.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from typing import Literal

log = logging.getLogger(__name__)

DATABASE_URL_VARIABLE = "NWD_SCHEMA_DATABASE_URL"
Action = Literal["upgrade", "wait"]


async def make_current(
    database_url: str,
    migrations_package: str,
    *,
    service: str,
    upgrade: bool,
    apart: bool,
    log_level: str = "INFO",
) -> None:
    """Upgrade the schema (`upgrade`), or wait until someone else has; raise if it fails."""
    action: Action = "upgrade" if upgrade else "wait"
    if not apart:
        await _run(action, database_url, migrations_package)
        return
    command = [sys.executable, "-m", "nowrongdoor.schema", action, migrations_package]
    command += ["--service", service, "--log-level", log_level]
    child = await asyncio.create_subprocess_exec(
        *command, env=os.environ | {DATABASE_URL_VARIABLE: database_url}
    )
    try:
        code = await child.wait()
    finally:
        if child.returncode is None:  # the service is stopping while the child waits
            with contextlib.suppress(ProcessLookupError):
                child.kill()
    if code != 0:
        raise RuntimeError(
            f"{service}: the database schema could not be brought up to date "
            f"(the migrations' process exited with {code}; its log says why)"
        )


async def _run(action: Action, database_url: str, migrations_package: str) -> None:
    from nowrongdoor import db, migrations

    engine = db.create_engine(database_url)
    try:
        if action == "upgrade":
            await migrations.upgrade(engine, migrations_package)
        else:
            await migrations.wait_until_current(engine, migrations_package)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """The child's entry point; exits 0 once the schema is current."""
    parser = argparse.ArgumentParser(prog="python -m nowrongdoor.schema")
    parser.add_argument("action", choices=["upgrade", "wait"])
    parser.add_argument("migrations_package")
    parser.add_argument("--service", required=True)
    parser.add_argument("--log-level", default="INFO")
    given = parser.parse_args(argv)
    from nowrongdoor.telemetry import configure_logging

    configure_logging(given.service, given.log_level)
    database_url = os.environ.get(DATABASE_URL_VARIABLE)
    if not database_url:
        log.error("%s is not set: no database to migrate", DATABASE_URL_VARIABLE)
        return 2
    try:
        asyncio.run(_run(given.action, database_url, given.migrations_package))
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        log.exception(
            "the database schema could not be brought up to date",
            extra={"error": type(error).__name__},
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
