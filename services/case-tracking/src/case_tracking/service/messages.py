"""Posting a message in a case: sealed at rest, dated to the minute, announced without its words.

The complainant writes to the institutions of the case, and so does the NGO that relayed an
alert, on the person's behalf; an institution with an active part
writes to the complainant, to the other institutions of a joint case, or an internal note.
Messages need no `If-Match`: they add to the case and change nothing in it. Files sent with a
message are kept with it or not at all (`attachments`).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from case_tracking import repository
from case_tracking.domain import messages
from case_tracking.domain.messages import Author
from case_tracking.domain.relays import Relaying
from case_tracking.models import CaseMessage
from case_tracking.service import SOURCE, Database, access, attachments, relays
from case_tracking.service.attachments import AttachmentRules
from case_tracking.service.errors import CaseFinished, CaseNotFound, InvalidChange
from case_tracking.service.sealing import message_context
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import Message, MessageDraft
from nowrongdoor.contracts.events import CaseMessagePosted
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.crypto import Sealer
from nowrongdoor.outbox import add_event
from nowrongdoor.storage import BlobStore

_FINISHED = frozenset({CaseStatus.CLOSED, CaseStatus.WITHDRAWN})


async def post_message(
    db: Database,
    sealer: Sealer,
    caller: Principal,
    reference: str,
    draft: MessageDraft,
    *,
    now: datetime,
    store: BlobStore | None = None,
    rules: AttachmentRules = attachments.DEFAULT_RULES,
) -> Message:
    """Post `draft` in the case as the complainant or as the caller's institution.

    Its files are inspected first and stored sealed in `store` once the case takes the message;
    a refused file, a store failure or a failed commit keeps neither the message nor a file.
    """
    cleaned = await attachments.inspected(draft.attachments, rules)
    async with attachments.storing(store) as storing, db.transaction() as session:
        group = await repository.case_group(session, reference)
        if group is None:
            raise CaseNotFound(reference)
        author: Author
        relayed_by_ngo = None
        if caller.may_open_as_complainant(reference):
            author, institution_id = "complainant", None
        elif (
            await relays.relay_rights(session, caller, group, access.WRITE_SCOPE, now)
            == Relaying.READS_AND_WRITES
        ):
            author, institution_id, relayed_by_ngo = "complainant", None, caller.institution_id
        else:
            part = await access.writing_part(session, caller, reference)
            if part is None:
                raise CaseNotFound(reference)
            author, institution_id = "institution", part.institution_id
        if group.status in _FINISHED:
            raise CaseFinished(reference)
        taking_part = await repository.institution_ids(session, reference)
        others = [institution for institution in taking_part if institution != institution_id]
        refused = messages.refusal(author, draft.audience, other_institutions=bool(others))
        if refused:
            raise InvalidChange("audience", refused)
        message = CaseMessage(
            message_id=f"m-{secrets.token_hex(8)}",
            reference=reference,
            at=messages.to_the_minute(now),
            author=author,
            institution_id=institution_id,
            relayed_by_ngo=relayed_by_ngo,
            audience=draft.audience,
            sealed_body="",
        )
        message.sealed_body = sealer.seal(draft.body, message_context(message))
        files = await attachments.put_all(storing, sealer, message, cleaned)
        session.add(message)
        await session.flush()  # the message's row first: its files' rows point at it
        session.add_all(files)
        add_event(
            session,
            CaseMessagePosted(
                reference=reference,
                message_id=message.message_id,
                author=author,
                institution_id=institution_id,
                audience=draft.audience,
                institution_ids=taking_part,
                posted_at=message.at,
                relay_ngo_id=group.relay_ngo_id if group.relay_withdrawn_at is None else None,
            ),
            source=SOURCE,
            subject=reference,
        )
    return Message(
        id=message.message_id,
        at=message.at,
        author=author,
        institution_id=institution_id,
        relayed_by_ngo=relayed_by_ngo,
        audience=draft.audience,
        body=draft.body,
        attachments=[attachments.view(row) for row in files],
    )
