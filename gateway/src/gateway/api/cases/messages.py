"""Messages in a case: the complainant writes with the receipt or a case session, an institution
with its token; the files sent with them are read back the same way."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from gateway.api.answers import FILE_ANSWER, NO_STORE, file_download, problem_answer
from gateway.api.cases.shared import (
    FORBIDDEN_READ,
    FORBIDDEN_WRITE,
    NOT_FOUND,
    SERVICES_UNAVAILABLE,
    TOKEN_REFUSED,
    Reference,
    SessionOrReceiptHeader,
    complainant_for,
    relayed,
)
from gateway.edge.authentication import (
    ANONYMOUS_ALLOWED,
    CaseCallerDep,
    require_kind,
    require_scope,
)
from gateway.edge.receipt_guard import ReceiptGuardDep, case_not_found
from gateway.upstreams import UpstreamsDep

# The pattern is the one every attachment id has; the pages read it from here too.
from nowrongdoor.contracts.attachments import ATTACHMENT_ID_PATTERN as ATTACHMENT_ID_PATTERN
from nowrongdoor.contracts.attachments import AttachmentFile
from nowrongdoor.contracts.cases import Message, MessageDraft
from nowrongdoor.problems import FieldProblem, ProblemError

router = APIRouter(prefix="/v1", tags=["cases"])

MESSAGE_EXAMPLES: dict[str, Any] = {
    "complainant": {
        "summary": "The complainant answers (with X-Receipt or a case session)",
        "value": {"body": "Voici le numéro de dossier: 4411-B."},
    },
    "to-complainant": {
        "summary": "An institution asks the complainant",
        "value": {
            "body": "Could you send the number of your file at the commune?",
            "audience": "complainant",
        },
    },
    "to-institutions": {
        "summary": "An institution writes to the other institutions of a joint case",
        "value": {
            "body": "We take the part about the delay; yours is the refusal.",
            "audience": "institutions",
        },
    },
    "internal": {
        "summary": "An internal note, read only at the writer's institution",
        "value": {
            "body": "Called the commune: file found, certificate pending.",
            "audience": "internal",
        },
    },
}


ATTACHMENT_EXAMPLE = {
    "summary": "The complainant sends a file with the message, base64-encoded",
    "value": {
        "body": "Here is the commune's letter.",
        "attachments": [{"filename": "lettre.txt", "content": "TGV0dHJlIGR1IDEyIG1hcnMgMjAyNg=="}],
    },
}
MAX_FORM_FILES = 20
"""More files than any message may carry; case-tracking applies the configured limit."""

AttachmentId = Annotated[str, Path(pattern=ATTACHMENT_ID_PATTERN, examples=["a-5f0c2e9b7d1a4c33"])]


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema with its `$defs` written in place, to stand in a request body on its own."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


_DRAFT_SCHEMA = _inlined(MessageDraft.model_json_schema())
_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["body"],
    "properties": {
        "body": _DRAFT_SCHEMA["properties"]["body"],
        "audience": _DRAFT_SCHEMA["properties"]["audience"],
        "attachments": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "Files sent with the message; the type is read from each content",
        },
    },
}
MESSAGE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": _DRAFT_SCHEMA,
                "examples": MESSAGE_EXAMPLES | {"with-a-file": ATTACHMENT_EXAMPLE},
            },
            "multipart/form-data": {
                "schema": _FORM_SCHEMA,
                "encoding": {"attachments": {"contentType": "application/octet-stream"}},
            },
        },
    }
}


class PartsInMemory(MultiPartParser):
    """Uploaded files stay in memory (the body size limit bounds them): a complainant's file is
    never written to the gateway's disk in clear."""

    spool_max_size = 1 << 40


def _invalid(error: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [
            {**detail, "loc": ("body", *detail["loc"])}
            for detail in error.errors(
                include_url=False, include_input=False, include_context=False
            )
        ]
    )


async def _from_form(request: Request) -> MessageDraft:
    parser = PartsInMemory(
        request.headers, request.stream(), max_files=MAX_FORM_FILES, max_fields=10
    )
    try:
        form = await parser.parse()
    except MultiPartException as error:
        raise ProblemError(
            422,
            "The form could not be read: send the fields body and audience, and each file as "
            f"`attachments` (at most {MAX_FORM_FILES}).",
            errors=[FieldProblem(field="body", message=error.message)],
        ) from None
    try:
        fields: dict[str, Any] = {"attachments": []}
        for name, value in form.multi_items():
            if name == "attachments" and isinstance(value, UploadFile):
                content = await value.read()
                fields["attachments"].append(
                    {"filename": value.filename, "content": base64.b64encode(content)}
                )
            elif name in ("body", "audience") and isinstance(value, str):
                fields[name] = value
            else:
                raise ProblemError(
                    422,
                    "1 field is invalid",
                    errors=[FieldProblem(field=name[:100], message="Not a field of a message")],
                )
        return MessageDraft.model_validate(fields)
    except ValidationError as error:
        raise _invalid(error) from None
    finally:
        await form.close()


async def message_draft(request: Request) -> MessageDraft:
    """The message as JSON (files base64-encoded) or as a form (files as parts)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        return await _from_form(request)
    if content_type not in ("", "application/json") and not content_type.endswith("+json"):
        raise ProblemError(
            415,
            "Send the message as application/json or as multipart/form-data.",
            slug="unsupported-media-type",
        )
    try:
        return MessageDraft.model_validate_json(await request.body())
    except ValidationError as error:
        raise _invalid(error) from None


DraftDep = Annotated[MessageDraft, Depends(message_draft)]


@router.post(
    "/cases/{reference}/messages",
    status_code=201,
    summary="Write in a case: the complainant with the receipt, an institution with its token",
    description=(
        "Adds a message to the case; it appears in the case's `messages` for those who may read "
        "it, dated to the minute, and nothing in it says who the complainant is.\n\n"
        "The complainant sends the receipt in `X-Receipt`, or the token of a case session "
        "opened with it as `Authorization: Bearer`, and writes to the institutions of the case: "
        "the audience is always `complainant` (the conversation with the complainant), and any "
        "other is refused with 422. A wrong receipt, a session of another case and an unknown "
        "reference give the same 404.\n\n"
        "An institution client with `cases:write` whose institution has a part in the case "
        "writes to the complainant (`complainant`), to the other institutions of a joint case "
        "(`institutions`, never shown to the complainant), or an internal note (`internal`, "
        "read only at its own institution).\n\n"
        "The NGO that relayed the alert, with an NGO client holding `cases:write`, writes for "
        "the person's side, as the complainant would (`complainant`); its messages name it in "
        "`relayed_by_ngo`. To every other client the case does not exist.\n\n"
        "Files go with a message either base64-encoded in `attachments` of a JSON body, or as "
        "`attachments` parts of a `multipart/form-data` body (with the fields `body` and "
        "`audience`). Accepted: JPEG, PNG, PDF and plain UTF-8 text, 10 MiB each and 5 per "
        "message unless the operator set other limits. The type is read from the content; the "
        "name sent is not kept (the file is listed as `attachment-1.pdf`). Metadata is "
        "removed: EXIF and GPS from images, document properties and XMP from PDFs. A refused "
        "file refuses the whole message, and `errors` names it (`attachments.1`)."
    ),
    responses={
        201: {"description": "Posted; the message as its readers see it"},
        401: TOKEN_REFUSED,
        403: FORBIDDEN_WRITE,
        404: NOT_FOUND,
        409: problem_answer(
            "The case no longer takes messages, or was filed a moment ago and is being opened "
            "(then with `Retry-After`)"
        ),
        413: problem_answer(
            "`attachment-too-large`: a file is over the limit; or the whole request is"
        ),
        415: problem_answer(
            "`unsupported-attachment`: a file's content is not an accepted type, or its name "
            "claims another type; or the body is neither JSON nor a form"
        ),
        422: problem_answer(
            "An empty or too long body, an audience the complainant may not write to, or too "
            "many files"
        ),
        503: SERVICES_UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED | MESSAGE_BODY,
)
async def post_message(
    reference: Reference,
    draft: DraftDep,
    caller: CaseCallerDep,
    upstreams: UpstreamsDep,
    guard: ReceiptGuardDep,
    response: Response,
    x_receipt: SessionOrReceiptHeader = None,
) -> Message:
    response.headers.update(NO_STORE)
    if caller.kind == "public":
        if draft.audience != "complainant":
            raise ProblemError(
                422,
                "1 field is invalid",
                errors=[
                    FieldProblem(
                        field="audience",
                        message="The complainant writes to the case's institutions: "
                        "leave it out or send 'complainant'",
                    )
                ],
            )
        complainant = await complainant_for(caller, reference, x_receipt, guard, upstreams.intake)
        with relayed(receipt_checked=True):
            return await upstreams.cases.post_message(complainant, reference, draft)
    require_kind(caller, "institution", "ngo")
    require_scope(caller, "cases:write")
    with relayed():
        return await upstreams.cases.post_message(caller, reference, draft)


@router.get(
    "/cases/{reference}/attachments/{attachment_id}",
    summary="Download a file sent with a message: with the receipt, or an institution's token",
    description=(
        "The file, for whoever may read the message it came with: the complainant with the "
        "receipt in `X-Receipt` or a case session's token (files sent to or by the "
        "complainant), an institution client with `cases:read` whose institution takes part in "
        "the case (and its own internal notes'). Every read by an institution is written to "
        "the audit log. A file that is not the caller's to read answers exactly like one that "
        "does not exist."
    ),
    response_class=Response,
    responses={
        200: FILE_ANSWER,
        401: TOKEN_REFUSED,
        403: FORBIDDEN_READ,
        404: NOT_FOUND,
        503: SERVICES_UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_attachment(
    reference: Reference,
    attachment_id: AttachmentId,
    caller: CaseCallerDep,
    upstreams: UpstreamsDep,
    guard: ReceiptGuardDep,
    x_receipt: SessionOrReceiptHeader = None,
) -> Response:
    found: AttachmentFile | None
    if caller.kind == "public":
        complainant = await complainant_for(caller, reference, x_receipt, guard, upstreams.intake)
        with relayed(receipt_checked=True):
            found = await upstreams.cases.attachment(complainant, reference, attachment_id)
    else:
        require_kind(caller, "institution", "ngo")
        require_scope(caller, "cases:read")
        with relayed():
            found = await upstreams.cases.attachment(caller, reference, attachment_id)
    if found is None:
        raise case_not_found()
    return file_download(found)
