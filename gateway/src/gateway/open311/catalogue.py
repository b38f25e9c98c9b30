"""What anyone may read without a key: the discovery document, the services, their definitions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from gateway.api.answers import PUBLIC_BRIEFLY
from gateway.edge.authentication import ANONYMOUS_ALLOWED, CallerDep
from gateway.open311 import attributes
from gateway.open311.formats import answer
from gateway.open311.shared import (
    BOTH_FORMATS,
    ERRORS,
    FormatPath,
    JurisdictionDep,
    LanguageDep,
)
from gateway.upstreams import UpstreamsDep

router = APIRouter(dependencies=[JurisdictionDep])
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-03T00:00:00Z"
"""When what the endpoints answer last changed in shape."""


@router.get(
    "/discovery.{format}",
    summary="Open311 discovery",
    description="Where the GeoReport v2 endpoint is, which formats it speaks, and where to ask "
    "for a key: an institution's API client, from the network's administrators.",
    response_class=Response,
    responses={200: {"content": BOTH_FORMATS}, 404: ERRORS},
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def discovery(request: Request, format: FormatPath) -> Response:
    base = str(request.base_url).rstrip("/")
    document: dict[str, Any] = {
        "changeset": CHANGESET,
        "contact": "The network's administrators, who also register API clients.",
        "key_service": f"{base}/docs#/oauth",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base}/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return answer(document, format, root="discovery", headers=PUBLIC_BRIEFLY)


@router.get(
    "/services.{format}",
    summary="Open311 service list: the complaint categories",
    description="One service per complaint category, named in the language of "
    "`Accept-Language` (Arabic, French, English, Dutch or German; English otherwise). Every "
    "service has attributes (`metadata` true): read its definition before posting.",
    response_class=Response,
    responses={200: {"content": BOTH_FORMATS}, 404: ERRORS, 503: ERRORS},
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def services(
    format: FormatPath, upstreams: UpstreamsDep, caller: CallerDep, language: LanguageDep
) -> Response:
    guide = await upstreams.routing.guide(caller, language)
    return answer(attributes.services(guide), format, root="services", headers=_public(language))


@router.get(
    "/services/{service_code}.{format}",
    summary="Open311 service definition: the facts a complaint needs",
    description="The attributes of a category: the guide's questions as single-value lists, "
    "`territory` (an ISO 3166-2 code, or leave it out and send `lat` and `long`), "
    "`respondent_name` and `language`. Send each as `attribute[code]`.",
    response_class=Response,
    responses={200: {"content": BOTH_FORMATS}, 404: ERRORS, 503: ERRORS},
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def service_definition(
    service_code: str,
    format: FormatPath,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    language: LanguageDep,
) -> Response:
    guide = await upstreams.routing.guide(caller, language)
    document = attributes.definition(guide, service_code)
    return answer(document, format, root="service_definition", headers=_public(language))


def _public(language: str) -> dict[str, str]:
    return {**PUBLIC_BRIEFLY, "Content-Language": language, "Vary": "Accept-Language"}
