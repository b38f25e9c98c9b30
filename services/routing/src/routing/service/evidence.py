"""The evidence an NGO sends with its answers: inspected, sealed into the blob store, opened.

Files are kept as a case's attachments are (`nowrongdoor.attachments`): only as
`nowrongdoor.files` makes them, sealed with routing's keys and bound to their accreditation,
under a random key. They are read by the NGO that applied and the institution it applied to;
to anyone else they do not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nowrongdoor import attachments, files
from nowrongdoor.attachments import Storing
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.accreditations import CriterionAnswer
from nowrongdoor.contracts.attachments import AttachmentFile
from nowrongdoor.crypto import Sealer
from nowrongdoor.db import SessionMaker
from nowrongdoor.storage import BlobStore
from routing import repository
from routing.models import Accreditation, AccreditationAttachment
from routing.service.accreditation_records import acts_for


@dataclass(frozen=True)
class EvidenceRules:
    """How large a file may be, and how many back one answer."""

    max_bytes: int = 10 * 1024 * 1024
    per_answer: int = 5


@dataclass(frozen=True)
class Evidence:
    """Where an application's files go, what seals them, and what is taken."""

    store: BlobStore
    sealer: Sealer
    rules: EvidenceRules = EvidenceRules()


def evidence_context(accreditation_id: str, attachment_id: str) -> str:
    """What a file is bound to: its accreditation and its own id, so it opens nowhere else."""
    return f"{accreditation_id}/attachment/{attachment_id}"


def bound_to(row: AccreditationAttachment) -> str:
    """What the file a row describes is bound to; re-sealing it (`attachments.reseal`) keeps it."""
    return evidence_context(row.accreditation_id, row.attachment_id)


async def inspected(
    answers: Sequence[CriterionAnswer], rules: EvidenceRules
) -> list[list[files.CleanFile]]:
    """Each answer's files as they would be kept; the first refusal (`AttachmentRefused`, naming
    `answers.1.attachments.0`) refuses the whole application."""
    return [
        await attachments.inspected(
            answer.attachments,
            max_bytes=rules.max_bytes,
            at_most=rules.per_answer,
            field=f"answers.{position}.attachments",
            going_with="one answer",
        )
        for position, answer in enumerate(answers)
    ]


async def put_all(
    stored: Storing,
    sealer: Sealer,
    record: Accreditation,
    answers: Sequence[CriterionAnswer],
    cleaned: Sequence[Sequence[files.CleanFile]],
) -> list[AccreditationAttachment]:
    """Seal and store each answer's files; the rows describing them, for the caller to add.

    A file is listed under its criterion and its place in the answer (`independence-2.pdf`).
    """
    rows = []
    for answer, answer_files in zip(answers, cleaned, strict=True):
        for position, clean in enumerate(answer_files, start=1):
            kept = await stored.keep(
                sealer,
                clean,
                f"{answer.criterion_id}-{position}.{clean.extension}",
                lambda attachment_id: evidence_context(record.id, attachment_id),
            )
            rows.append(
                AccreditationAttachment(
                    accreditation_id=record.id, criterion_id=answer.criterion_id, **kept.columns()
                )
            )
    return rows


def reads_evidence(caller: Principal, record: Accreditation) -> bool:
    """The NGO that applied and the institution it applied to; nobody else, administrators
    included."""
    ngo = caller.kind == "ngo" and caller.institution_id == record.ngo_id
    return ngo or acts_for(caller, record.institution_id)


async def open_evidence(
    sessions: SessionMaker,
    store: BlobStore,
    sealer: Sealer,
    caller: Principal,
    accreditation_id: str,
    attachment_id: str,
) -> AttachmentFile | None:
    """The file for the NGO and the institution of its accreditation; None for everybody else
    and for no file. Raises `AttachmentMissing` when the store lost it."""
    async with sessions() as session:
        record = await repository.accreditation(session, accreditation_id)
        if record is None or not reads_evidence(caller, record):
            return None
        caller.require("accreditations:read")
        row = await repository.accreditation_attachment(session, accreditation_id, attachment_id)
    if row is None:
        return None
    return await attachments.opened(
        store, sealer, row, evidence_context(accreditation_id, attachment_id)
    )
