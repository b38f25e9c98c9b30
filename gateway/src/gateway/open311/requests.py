"""Service requests: an institution's system files a complaint and follows the ones it filed or
is competent for. A request is a case; its `service_request_id` is the case reference.

Nothing here answers without a key. With one, an institution sees the requests it filed through
Open311 and the cases it has a part in; anyone else's key sees an empty list and a 404, exactly
as for a reference that does not exist. No answer carries a description or an identity.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import ValidationError

from gateway.api.answers import NO_STORE
from gateway.api.oauth import FORM
from gateway.edge.authentication import ANONYMOUS_ALLOWED, CallerDep, require_kind, require_scope
from gateway.open311 import attributes
from gateway.open311.formats import Format, answer
from gateway.open311.shared import (
    BOTH_FORMATS,
    ERRORS,
    FormatPath,
    JurisdictionDep,
    LanguageDep,
    jurisdiction,
)
from gateway.pages.case_words import status_words
from gateway.upstreams import Upstreams, UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import FiledRequest, FiledRequestFilters
from nowrongdoor.contracts.intake import IncomingComplaint
from nowrongdoor.contracts.routing import Guide
from nowrongdoor.contracts.vocabulary import CaseStatus, Language
from nowrongdoor.problems import FieldProblem, ProblemError

router = APIRouter()

MOST: Final = 1000
"""The specification's largest answer to one query."""
WINDOW: Final = timedelta(days=90)
"""The longest span of one query, and the span asked when none is given."""
CONCLUDED: Final = frozenset(
    {CaseStatus.INADMISSIBLE, CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN}
)
OPEN311_STATUSES: Final = ("open", "closed")
NOTICE: Final = (
    "Give the complainant the reference and the receipt: together they open the case on the "
    "network's tracking page. The receipt is shown only in this answer."
)
KEYED: Final[dict[int | str, dict[str, Any]]] = {
    401: ERRORS,
    403: ERRORS,
    404: ERRORS,
    400: ERRORS,
    503: ERRORS,
}


@router.post(
    "/requests.{format}",
    status_code=status.HTTP_201_CREATED,
    summary="Open311: file a complaint",
    description=(
        "Form-encoded, as GeoReport v2 has it (`application/x-www-form-urlencoded`). `api_key` "
        "is an institution's client credentials, `client_id:client_secret`, or an access token; "
        "the client needs `complaints:write`. The complaint comes in on the `open311` channel "
        "with the institution as the door it was received at, and is routed to the competent "
        "institution like any other. `service_code` is the category; the service definition "
        "lists the attributes, sent as `attribute[code]`. A request sent with `first_name` or "
        "`last_name` is identified, without them anonymous; `email` and `phone` are sealed "
        "like every identity. `media_url`, `address_string`, `address_id`, `device_id` and "
        "`account_id` are accepted and not stored.\n\n"
        "The answer is a one-item list with `service_request_id` (the case reference) and, as "
        "an extension, the complainant's `receipt`, shown only here. Send an `Idempotency-Key` "
        "header to retry safely."
    ),
    response_class=Response,
    responses={201: {"content": BOTH_FORMATS}, **KEYED, 415: ERRORS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FORM: {
                    "schema": {
                        "type": "object",
                        "required": ["service_code", "description"],
                        "properties": {
                            "api_key": {"type": "string"},
                            "jurisdiction_id": {"type": "string"},
                            "service_code": {"type": "string", "examples": ["maladministration"]},
                            "description": {"type": "string", "minLength": 10},
                            "lat": {"type": "number"},
                            "long": {"type": "number"},
                            "first_name": {"type": "string"},
                            "last_name": {"type": "string"},
                            "email": {"type": "string"},
                            "phone": {"type": "string"},
                            "attribute[territory]": {"type": "string", "examples": ["MA-06"]},
                            "attribute[respondent_name]": {"type": "string"},
                            "attribute[respondent_type]": {"type": "string"},
                            "attribute[complainant_role]": {"type": "string"},
                            "attribute[administration_contacted]": {
                                "type": "string",
                                "enum": ["true", "false"],
                            },
                            "attribute[court_case_pending]": {
                                "type": "string",
                                "enum": ["true", "false"],
                            },
                            "attribute[language]": {"type": "string"},
                        },
                    }
                }
            },
        },
        **ANONYMOUS_ALLOWED,
    },
)
async def post_request(
    request: Request,
    format: FormatPath,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    language: LanguageDep,
) -> Response:
    require_kind(caller, "institution")
    require_scope(caller, "complaints:write")
    form = await _form(request)
    jurisdiction(request, form.get("jurisdiction_id"))
    guide = await upstreams.routing.guide(caller, language)
    _known_service(guide, form.get("service_code"))
    submission = await attributes.submission(form, language, attributes.territories(guide))
    door = submission.model_copy(update={"received_by": caller.institution_id})
    accepted = await upstreams.intake.submit(
        caller, IncomingComplaint(submission=door, channel="open311")
    )
    document = [
        {
            "service_request_id": accepted.reference,
            "service_notice": NOTICE,
            "account_id": None,
            "receipt": accepted.receipt,
        }
    ]
    return answer(
        document,
        format,
        root="service_requests",
        status_code=status.HTTP_201_CREATED,
        headers=NO_STORE,
    )


@router.get(
    "/requests.{format}",
    summary="Open311: the requests this institution filed or is competent for",
    description=(
        "Needs a key (`api_key`, or `Authorization: Bearer`) of an institution's client with "
        "`cases:read`. Lists the requests the institution filed through Open311 and the cases "
        "it has a part in, newest first, at most 1000; another client's list holds none of "
        "them. Without dates, the last 90 days; a span longer than 90 days is refused. "
        "`service_request_id` (comma-separated) overrides every other filter. Descriptions and "
        "identities are never listed."
    ),
    response_class=Response,
    responses={200: {"content": BOTH_FORMATS}, **KEYED},
    dependencies=[JurisdictionDep],
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def list_requests(
    format: FormatPath,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    language: LanguageDep,
    service_request_id: Annotated[
        str | None, Query(max_length=2000, description="Comma-separated references")
    ] = None,
    service_code: Annotated[
        str | None, Query(max_length=500, description="Comma-separated categories")
    ] = None,
    start_date: Annotated[datetime | None, Query(description="W3C date and time")] = None,
    end_date: Annotated[datetime | None, Query(description="W3C date and time")] = None,
    status: Annotated[
        str | None, Query(max_length=20, description="`open`, `closed`, or both")
    ] = None,
) -> Response:
    _require_key(caller)
    if service_request_id:
        filters = FiledRequestFilters(references=_references(service_request_id))
    else:
        filters = _filters(service_code, start_date, end_date, status)
    found = await _visible(upstreams, caller, filters)
    return await _requests(upstreams, caller, language, found, format)


@router.get(
    "/requests/{service_request_id}.{format}",
    summary="Open311: one request",
    description="The request as a one-item list, for the institution that filed it through "
    "Open311 or has a part in it; a 404 for everyone else, as for a request that does not "
    "exist.",
    response_class=Response,
    responses={200: {"content": BOTH_FORMATS}, **KEYED},
    dependencies=[JurisdictionDep],
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_request(
    service_request_id: str,
    format: FormatPath,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    language: LanguageDep,
) -> Response:
    found = await _one(upstreams, caller, service_request_id)
    return await _requests(upstreams, caller, language, found, format)


@router.get(
    "/tokens/{token}.{format}",
    summary="Open311: the request a token stands for",
    description="The network gives the `service_request_id` at once, so a request's token is "
    "its reference; this answers `[{service_request_id, token}]` to whoever may see the request, "
    "and a 404 to everyone else.",
    response_class=Response,
    responses={200: {"content": BOTH_FORMATS}, **KEYED},
    dependencies=[JurisdictionDep],
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_token(
    token: str, format: FormatPath, upstreams: UpstreamsDep, caller: CallerDep
) -> Response:
    [found] = await _one(upstreams, caller, token)
    document = [{"service_request_id": found.reference, "token": token}]
    return answer(document, format, root="service_requests", headers=NO_STORE)


def _require_key(caller: Principal) -> None:
    if caller.kind == "public":
        raise ProblemError(
            401,
            "Requests are answered only with a key: send `api_key` (an institution's "
            "`client_id:client_secret`, or an access token) or `Authorization: Bearer`.",
            headers={"WWW-Authenticate": 'Bearer realm="nowrongdoor"'},
        )


async def _form(request: Request) -> dict[str, str]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise ProblemError(415, f"Send the request as {FORM}, as GeoReport v2 has it.")
    form = await request.form()
    return {name: value for name, value in form.multi_items() if isinstance(value, str)}


def _known_service(guide: Guide, service_code: str | None) -> None:
    codes = {service["service_code"] for service in attributes.services(guide)}
    if service_code not in codes:
        message = "is required" if not service_code else "names no service; see services.json"
        raise ProblemError(
            400,
            "1 field is invalid",
            errors=[FieldProblem(field="service_code", message=message)],
        )


def _references(given: str) -> list[str]:
    """The references asked for; one that is malformed is only looked up and finds nothing."""
    references = [reference.strip() for reference in given.split(",") if reference.strip()]
    return references[:MOST]


def _filters(
    service_code: str | None,
    start_date: datetime | None,
    end_date: datetime | None,
    status: str | None,
) -> FiledRequestFilters:
    start, end = _aware(start_date), _aware(end_date)
    if start is None:
        end = end or datetime.now(UTC)
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if end < start:
        raise _invalid("end_date", "is before start_date")
    if end - start > WINDOW:
        raise _invalid("end_date", "is more than 90 days after start_date")
    categories = [code.strip() for code in (service_code or "").split(",") if code.strip()]
    try:
        return FiledRequestFilters.model_validate(
            {
                "categories": categories or None,
                "received_from": start,
                "received_until": end,
                "concluded": _concluded(status),
            }
        )
    except ValidationError:
        raise _invalid("service_code", "names no service; see services.json") from None


def _concluded(status: str | None) -> bool | None:
    wanted = {value.strip() for value in (status or "").split(",") if value.strip()}
    unknown = wanted - set(OPEN311_STATUSES)
    if unknown:
        raise _invalid("status", "must be open, closed, or both, comma-separated")
    if len(wanted) == 1:
        return wanted == {"closed"}
    return None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _invalid(field: str, message: str) -> ProblemError:
    problem = FieldProblem(field=field, message=message)
    return ProblemError(400, "1 field is invalid", errors=[problem])


async def _visible(
    upstreams: Upstreams, caller: Principal, filters: FiledRequestFilters
) -> list[FiledRequest]:
    """The requests the caller's institution may follow; none for any other kind of client."""
    if caller.kind != "institution" or caller.institution_id is None:
        return []
    return await upstreams.cases.filed_requests(
        caller, caller.institution_id, filters=filters, limit=MOST
    )


async def _one(upstreams: Upstreams, caller: Principal, reference: str) -> list[FiledRequest]:
    _require_key(caller)
    found = await _visible(upstreams, caller, FiledRequestFilters(references=[reference]))
    if not found:
        raise ProblemError(404, "There is no such request.")
    return found


async def _requests(
    upstreams: Upstreams,
    caller: Principal,
    language: Language,
    found: list[FiledRequest],
    format: Format,
) -> Response:
    names: dict[str, str] = {}
    if found:
        guide = await upstreams.routing.guide(caller, language)
        names = {
            service["service_code"]: service["service_name"]
            for service in attributes.services(guide)
        }
    document = [_described(request, names, language) for request in found]
    return answer(
        document,
        format,
        root="service_requests",
        headers={**NO_STORE, "Content-Language": language},
    )


def _described(request: FiledRequest, names: dict[str, str], language: Language) -> dict[str, Any]:
    agencies = [institution.name for institution in request.institutions]
    return {
        "service_request_id": request.reference,
        "status": "closed" if request.status in CONCLUDED else "open",
        "status_notes": status_words(language, request.status),
        "service_name": names.get(request.category, request.category),
        "service_code": request.category,
        "agency_responsible": "; ".join(agencies) or None,
        "service_notice": None,
        "requested_datetime": _w3c(request.received_at),
        "updated_datetime": _w3c(request.updated_at),
        "expected_datetime": request.expected.isoformat() if request.expected else None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
