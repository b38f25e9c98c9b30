"""Key rotation: re-encrypt every sealed value that is not under the active key.

Work goes in batches, each its own transaction, so an interrupted run loses nothing and the next
run carries on with what is left. A value is opened with the key its id names and sealed again,
under the same context, with the active key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag

from intake import repository
from intake.domain.audit import Actor
from intake.models import SEALED_FIELDS, Submission
from intake.service.sealing import context
from nowrongdoor.crypto import Sealer, UnknownKey
from nowrongdoor.db import SessionMaker, unit_of_work

Progress = Callable[[int, int], None]


class RotationError(RuntimeError):
    """A value could not be re-encrypted; what was done so far stays done."""


@dataclass(frozen=True)
class RotationResult:
    re_encrypted: int
    active_key_id: str


async def rotate(
    sessions: SessionMaker,
    sealer: Sealer,
    actor: Actor,
    *,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> RotationResult:
    """Re-encrypt under the active key everything sealed under another; audited once."""
    active = sealer.keys.active_key_id
    prefix = f"v1.{active}."
    async with sessions() as session:
        total = await repository.count_sealed_elsewhere(session, prefix)
    done = 0
    after = ""
    while True:
        async with unit_of_work(sessions) as session:
            records = await repository.sealed_elsewhere(
                session, prefix, after=after, limit=batch_size
            )
            for record in records:
                done += _reseal(sealer, record, active)
        if progress is not None and records:
            progress(done, total)
        if len(records) < batch_size:
            break
        after = records[-1].reference
    async with unit_of_work(sessions) as session:
        repository.add_audit_entry(
            session,
            actor,
            "key-rotation",
            at=datetime.now(UTC),
            detail=f"re-encrypted {done} values under key {active}",
        )
    return RotationResult(re_encrypted=done, active_key_id=active)


def _reseal(sealer: Sealer, record: Submission, active: str) -> int:
    count = 0
    for column_name in SEALED_FIELDS:
        sealed: str | None = getattr(record, column_name)
        if sealed is None or Sealer.key_id_of(sealed) == active:
            continue
        bound_to = context(record, column_name)
        try:
            plaintext = sealer.open(sealed, bound_to)
        except UnknownKey as error:
            raise RotationError(
                f"{record.reference} has a value sealed under key {error.args[0]}, which is not "
                "configured; add it after the active key and run again"
            ) from None
        except InvalidTag:
            raise RotationError(
                f"{record.reference} has a value that does not open under key "
                f"{Sealer.key_id_of(sealed)}; it was altered or the key is wrong"
            ) from None
        setattr(record, column_name, sealer.seal(plaintext, bound_to))
        count += 1
    return count
