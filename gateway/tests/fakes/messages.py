"""Case-tracking's stand-in for messages and their files, kept as case tracking keeps them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from typing_extensions import override

from nowrongdoor import files
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import Attachment, AttachmentFile, Message, MessageDraft
from nowrongdoor.problems import FieldProblem

from .cases import ENDED, FakeCases


class FakeCaseMessages(FakeCases):
    """`FakeCases`, and what is written in each case."""

    @override
    async def post_message(self, caller: Principal, reference: str, draft: MessageDraft) -> Message:
        await self.reached("post_message", caller, draft)
        author: Literal["complainant", "institution"] = "complainant"
        institution_id: str | None = None
        if caller.kind == "public":
            readable = self._readable(caller, reference)
            if readable is None:
                raise self.refusal(404, "No case with this reference for this caller.")
            if draft.audience != "complainant":
                raise self._invalid("audience", "The complainant writes to the institutions")
            tracked = readable
        else:
            tracked, part = self._own_part(caller, reference)
            author, institution_id = "institution", part.institution_id
        if tracked.view.status in ENDED:
            raise self.refusal(
                409,
                "The case is closed or withdrawn; nothing more is written in it.",
                slug="case-finished",
                title="Conflict",
            )
        kept = self._kept_files(draft)
        message = Message(
            id=f"m-{len(tracked.messages) + 1}",
            at=datetime.now(UTC).replace(second=0, microsecond=0),
            author=author,
            institution_id=institution_id,
            audience=draft.audience,
            body=draft.body,
        )
        for position, clean in enumerate(kept, start=1):
            attachment_id = f"a-{len(self.files) + 1:016x}"
            name = f"attachment-{position}.{clean.extension}"
            message.attachments.append(
                Attachment(
                    id=attachment_id,
                    name=name,
                    media_type=clean.media_type,
                    size=len(clean.content),
                    metadata_removed=clean.metadata_removed,
                )
            )
            opened = AttachmentFile(name=name, media_type=clean.media_type, content=clean.content)
            self.files[attachment_id] = (reference, message, opened)
        tracked.messages.append(message)
        return message

    def _kept_files(self, draft: MessageDraft) -> list[files.CleanFile]:
        """The files as case-tracking keeps them, or its refusal: 413, 415 or 422."""
        if len(draft.attachments) > 5:
            raise self._invalid("attachments", "At most 5 files go with one message.")
        kept = []
        for position, upload in enumerate(draft.attachments):
            try:
                kept.append(files.inspect(upload.content, upload.filename, max_bytes=10 << 20))
            except files.FileRefused as refused:
                status, slug = (
                    (413, "attachment-too-large")
                    if refused.reason == "too-large"
                    else (415, "unsupported-attachment")
                )
                raise self.refusal(
                    status,
                    refused.message,
                    slug=slug,
                    title="Attachment refused",
                    errors=[FieldProblem(field=f"attachments.{position}", message=refused.message)],
                ) from None
        return kept

    @override
    async def attachment(
        self, caller: Principal, reference: str, attachment_id: str
    ) -> AttachmentFile | None:
        await self.reached("attachment", caller, attachment_id)
        tracked = self._readable(caller, reference)
        found = self.files.get(attachment_id)
        if tracked is None or found is None or found[0] != reference:
            return None
        _, message, opened = found
        readable = {m.id for m in tracked.seen_by(caller).messages}
        return opened if message.id in readable else None
