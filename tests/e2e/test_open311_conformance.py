"""The Open311 facade against GeoReport v2, endpoint by endpoint, in both formats.

The cases are generated from one table: every endpoint and every refusal, each asked in JSON and
in XML. A JSON answer must fit the specification's document (written out below as JSON Schema,
the facade's `receipt` extension aside); the XML answer to the same question must be the same
document, under the root element the specification names; every refusal is the specification's
list of `{code, description}`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, fromstring

import httpx
import jsonschema
import pytest

from nowrongdoor.testing.apps import eventually

from .conftest import Platform

BASE = "/open311/v2"
MARRAKECH = {"lat": "31.63", "long": "-8.01"}
AT_SEA = {"lat": "0.0", "long": "-30.0"}
FACTS = {
    "service_code": "maladministration",
    "description": "The commune has not answered my request for a copy of a deed for a year.",
    "attribute[respondent_name]": "Commune de Marrakech",
    "attribute[respondent_type]": "local-authority",
    "attribute[complainant_role]": "citizen",
    "attribute[administration_contacted]": "true",
    "attribute[court_case_pending]": "false",
}

TEXT = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "additionalProperties": False,
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
REQUEST_FIELDS = {
    "service_request_id": TEXT,
    "status": {"enum": ["open", "closed"]},
    "status_notes": TEXT_OR_NULL,
    "service_name": TEXT_OR_NULL,
    "service_code": TEXT_OR_NULL,
    "agency_responsible": TEXT_OR_NULL,
    "service_notice": TEXT_OR_NULL,
    "requested_datetime": {
        "type": "string",
        "pattern": r"^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$",
    },
    "updated_datetime": TEXT_OR_NULL,
    "expected_datetime": TEXT_OR_NULL,
    "address": TEXT_OR_NULL,
    "address_id": TEXT_OR_NULL,
    "zipcode": TEXT_OR_NULL,
    "lat": {"type": ["number", "null"]},
    "long": {"type": ["number", "null"]},
    "media_url": TEXT_OR_NULL,
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "discovery": {
        "type": "object",
        "required": ["changeset", "contact", "endpoints"],
        "properties": {
            "endpoints": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["specification", "url", "changeset", "type", "formats"],
                    "properties": {
                        "type": {"enum": ["production", "test"]},
                        "formats": {"type": "array", "items": TEXT},
                    },
                },
            }
        },
    },
    "services": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["service_code", "service_name", "metadata", "type"],
            "properties": {
                "service_code": TEXT,
                "service_name": TEXT,
                "description": TEXT_OR_NULL,
                "metadata": {"type": "boolean"},
                "type": {"enum": ["realtime", "batch", "blackbox"]},
                "keywords": TEXT_OR_NULL,
                "group": TEXT_OR_NULL,
            },
        },
    },
    "service_definition": {
        "type": "object",
        "required": ["service_code", "attributes"],
        "properties": {
            "service_code": TEXT,
            "attributes": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": [
                        "variable",
                        "code",
                        "datatype",
                        "required",
                        "order",
                        "description",
                    ],
                    "properties": {
                        "variable": {"type": "boolean"},
                        "code": TEXT,
                        "datatype": {
                            "enum": [
                                "string",
                                "number",
                                "datetime",
                                "text",
                                "singlevaluelist",
                                "multivaluelist",
                            ]
                        },
                        "required": {"type": "boolean"},
                        "datatype_description": TEXT_OR_NULL,
                        "order": {"type": "integer"},
                        "description": TEXT,
                        "values": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["key", "name"],
                                "properties": {"key": TEXT, "name": TEXT},
                            },
                        },
                    },
                },
            },
        },
    },
    "service_requests": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["service_request_id", "status"],
            "additionalProperties": False,
            "properties": REQUEST_FIELDS,
        },
    },
    "accepted": {
        "type": "array",
        "minItems": 1,
        "maxItems": 1,
        "items": {
            "type": "object",
            "required": ["service_request_id", "receipt"],
            "additionalProperties": False,
            "properties": {
                "service_request_id": {"type": "string", "pattern": "^NWD-"},
                "service_notice": TEXT_OR_NULL,
                "account_id": TEXT_OR_NULL,
                "receipt": {"type": "string", "pattern": "^[0-9]{16}$"},
            },
        },
    },
    "tokens": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["service_request_id", "token"],
            "additionalProperties": False,
            "properties": {"service_request_id": TEXT, "token": TEXT},
        },
    },
    "errors": ERRORS,
}
XML_ROOTS = {
    "discovery": "discovery",
    "services": "services",
    "service_definition": "service_definition",
    "service_requests": "service_requests",
    "accepted": "service_requests",
    "tokens": "service_requests",
    "errors": "errors",
}


@dataclass(frozen=True)
class Case:
    """One question to the facade and what the specification says it answers."""

    name: str
    method: str
    path: str
    status: int
    document: str
    key: str | None = None
    """`filer`, `reader`, `stranger`, `wrong` or `ngo`: whose api_key is sent, if any."""
    params: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    content: bytes | None = None
    mentions: tuple[str, ...] = ()
    """Words each error list must hold, naming what was wrong."""


CASES = (
    Case("discovery", "GET", "discovery", 200, "discovery"),
    Case("services", "GET", "services", 200, "services"),
    Case("definition", "GET", "services/maladministration", 200, "service_definition"),
    Case(
        "post placed by lat/long",
        "POST",
        "requests",
        201,
        "accepted",
        "filer",
        form={**FACTS, **MARRAKECH},
    ),
    Case(
        "post with a territory",
        "POST",
        "requests",
        201,
        "accepted",
        "filer",
        form={**FACTS, "attribute[territory]": "MA-07", "first_name": "Ada"},
    ),
    Case("list", "GET", "requests", 200, "service_requests", "filer"),
    Case("list open", "GET", "requests", 200, "service_requests", "filer", {"status": "open"}),
    Case("one", "GET", "requests/{reference}", 200, "service_requests", "filer"),
    Case("token", "GET", "tokens/{reference}", 200, "tokens", "filer"),
    # Refusals.
    Case("unknown service", "GET", "services/potholes", 404, "errors", mentions=("potholes",)),
    Case(
        "other jurisdiction",
        "GET",
        "services",
        404,
        "errors",
        params={"jurisdiction_id": "elsewhere"},
    ),
    Case("list without key", "GET", "requests", 401, "errors", mentions=("api_key",)),
    Case("one without key", "GET", "requests/{reference}", 401, "errors"),
    Case("token without key", "GET", "tokens/{reference}", 401, "errors"),
    Case("stranger reads one", "GET", "requests/{reference}", 404, "errors", "stranger"),
    Case("stranger's token", "GET", "tokens/{reference}", 404, "errors", "stranger"),
    Case("unknown request", "GET", "requests/NWD-0000000000AA", 404, "errors", "filer"),
    Case(
        "span over 90 days",
        "GET",
        "requests",
        400,
        "errors",
        "filer",
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        mentions=("end_date",),
    ),
    Case(
        "unknown status",
        "GET",
        "requests",
        400,
        "errors",
        "filer",
        {"status": "pending"},
        mentions=("status",),
    ),
    Case("post without key", "POST", "requests", 401, "errors", form={**FACTS, **MARRAKECH}),
    Case(
        "post with a wrong key",
        "POST",
        "requests",
        403,
        "errors",
        "wrong",
        form={**FACTS, **MARRAKECH},
        mentions=("api_key",),
    ),
    Case(
        "post by a reader",
        "POST",
        "requests",
        403,
        "errors",
        "reader",
        form={**FACTS, **MARRAKECH},
        mentions=("complaints:write",),
    ),
    Case("post by an NGO", "POST", "requests", 403, "errors", "ngo", form={**FACTS, **MARRAKECH}),
    Case(
        "post missing facts",
        "POST",
        "requests",
        400,
        "errors",
        "filer",
        form={"service_code": "maladministration", **MARRAKECH},
        mentions=(
            "description",
            "attribute[respondent_name]",
            "attribute[administration_contacted]",
        ),
    ),
    Case(
        "post unplaced",
        "POST",
        "requests",
        400,
        "errors",
        "filer",
        form=FACTS,
        mentions=("attribute[territory]",),
    ),
    Case(
        "post at sea",
        "POST",
        "requests",
        400,
        "errors",
        "filer",
        form={**FACTS, **AT_SEA},
        mentions=("lat",),
    ),
    Case(
        "post unknown service",
        "POST",
        "requests",
        400,
        "errors",
        "filer",
        form={**FACTS, **MARRAKECH, "service_code": "potholes"},
        mentions=("service_code",),
    ),
    Case(
        "post a bad territory",
        "POST",
        "requests",
        400,
        "errors",
        "filer",
        form={**FACTS, "attribute[territory]": "Morocco"},
        mentions=("attribute[territory]",),
    ),
    Case(
        "post as JSON",
        "POST",
        "requests",
        415,
        "errors",
        "filer",
        content=b'{"service_code": "maladministration"}',
    ),
)


@dataclass
class Keys:
    """The api_keys of the cases, and a request the filer may follow."""

    keys: dict[str, str]
    reference: str = ""


@pytest.fixture(scope="module")
def keys(platform: Platform) -> Keys:
    filer = platform.create_client("institution", "ma-cndh", "complaints:write", "cases:read")
    reader = platform.create_client("institution", "ma-cndh", "cases:read")
    stranger = platform.create_client("institution", "be-federal", "cases:read", "complaints:write")
    ngo = platform.create_client("ngo", "ma-ngo-one", "cases:read", "cases:write")
    return Keys(
        {
            "filer": ":".join(filer),
            "reader": ":".join(reader),
            "stranger": ":".join(stranger),
            "ngo": ":".join(ngo),
            "wrong": f"{filer[0]}:not-the-secret",
        }
    )


@pytest.fixture
async def followed(keys: Keys, gateway: httpx.AsyncClient) -> Keys:
    """A request the filer filed, once its case is open and the filer can follow it."""
    if keys.reference:
        return keys
    filed = await gateway.post(
        f"{BASE}/requests.json", data={**FACTS, **MARRAKECH, "api_key": keys.keys["filer"]}
    )
    assert filed.status_code == 201, filed.text
    reference = filed.json()[0]["service_request_id"]

    async def opened() -> bool:
        found = await gateway.get(
            f"{BASE}/requests/{reference}.json", params={"api_key": keys.keys["filer"]}
        )
        return found.status_code == 200

    await eventually(opened, timeout=60, interval=0.5)
    keys.reference = reference
    return keys


async def ask(gateway: httpx.AsyncClient, case: Case, keys: Keys, format: str) -> httpx.Response:
    path = f"{BASE}/{case.path.format(reference=keys.reference)}.{format}"
    key = {"api_key": keys.keys[case.key]} if case.key else {}
    if case.method == "GET":
        return await gateway.get(path, params={**case.params, **key})
    if case.content is not None:
        # A body that is not a form carries no api_key: the key goes in the query.
        return await gateway.post(
            path, content=case.content, params=key, headers={"Content-Type": "application/json"}
        )
    return await gateway.post(path, data={**(case.form or {}), **key}, params=case.params)


def as_document(element: Element) -> Any:
    """The XML answer read back by the specification's rules: lists are elements whose children
    all share the list's item name, leaves are text, an empty leaf is no value."""
    children = list(element)
    if not children:
        return element.text
    names = {child.tag for child in children}
    listed = element.tag in LIST_ITEMS and names == {LIST_ITEMS[element.tag]}
    if listed:
        return [as_document(child) for child in children]
    return {child.tag: as_document(child) for child in children}


LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def as_text(document: Any) -> Any:
    """A JSON document with every value as XML writes it, to compare the two formats."""
    if isinstance(document, dict):
        return {name: as_text(value) for name, value in document.items()}
    if isinstance(document, list):
        return [as_text(value) for value in document]
    if isinstance(document, bool):
        return "true" if document else "false"
    if document is None or document == "":
        return None
    return str(document)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_each_endpoint_answers_as_the_specification_says(
    case: Case, followed: Keys, gateway: httpx.AsyncClient
) -> None:
    as_json = await ask(gateway, case, followed, "json")
    assert as_json.status_code == case.status, as_json.text
    assert as_json.headers["content-type"].startswith("application/json")
    document = as_json.json()
    jsonschema.validate(document, SCHEMAS[case.document])
    if case.document == "errors":
        assert {error["code"] for error in document} == {case.status}
        said = " ".join(error["description"] for error in document)
        for word in case.mentions:
            assert word in said, said

    as_xml = await ask(gateway, case, followed, "xml")
    assert as_xml.status_code == case.status, as_xml.text
    assert as_xml.headers["content-type"].startswith("text/xml")
    root = fromstring(as_xml.content)  # noqa: S314 - the gateway's own answer, in a test
    assert root.tag == XML_ROOTS[case.document]
    read_back = as_document(root)
    if case.method == "POST" and case.status == 201:
        # A second filing has a reference and a receipt of its own; the shape is the same.
        assert [set(item) for item in read_back] == [set(item) for item in document]
    elif case.document == "service_requests" and case.status == 200:
        # Cases move on between the two questions (other tests work them meanwhile): the
        # requests both answers hold must agree on everything that does not move.
        in_xml, in_json = steady(read_back or []), steady(as_text(document))
        shared = in_xml.keys() & in_json.keys()
        assert shared, "the two answers share no request"
        assert {ref: in_xml[ref] for ref in shared} == {ref: in_json[ref] for ref in shared}
    else:
        assert read_back == as_text(document) or (read_back is None and as_text(document) == [])


MOVING = frozenset(
    {"status", "status_notes", "updated_datetime", "expected_datetime", "agency_responsible"}
)


def steady(requests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each request by its id, without what changes as its case is worked."""
    return {
        request["service_request_id"]: {
            name: value for name, value in request.items() if name not in MOVING
        }
        for request in requests
    }


async def test_an_unknown_format_is_refused_in_json(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get(f"{BASE}/services.yaml")
    assert response.status_code == 400
    jsonschema.validate(response.json(), ERRORS)


async def test_every_open311_operation_is_in_the_openapi_document(
    gateway: httpx.AsyncClient,
) -> None:
    paths = (await gateway.get("/openapi.json")).json()["paths"]
    assert {path for path in paths if path.startswith(BASE)} == {
        f"{BASE}/discovery.{{format}}",
        f"{BASE}/services.{{format}}",
        f"{BASE}/services/{{service_code}}.{{format}}",
        f"{BASE}/requests.{{format}}",
        f"{BASE}/requests/{{service_request_id}}.{{format}}",
        f"{BASE}/tokens/{{token}}.{{format}}",
    }


def test_the_table_holds_a_refusal_for_every_endpoint() -> None:
    refused = {(case.method, case.path.split("/")[0]) for case in CASES if case.status >= 400}
    answered = {(case.method, case.path.split("/")[0]) for case in CASES if case.status < 400}
    assert answered - refused <= {("GET", "discovery")}, (
        "every endpoint that can refuse is asked to"
    )


async def test_a_post_sent_again_with_its_idempotency_key_files_once(
    keys: Keys, gateway: httpx.AsyncClient
) -> None:
    sent = {**FACTS, **MARRAKECH, "api_key": keys.keys["filer"]}
    key = {"Idempotency-Key": f"open311-{secrets.token_hex(8)}"}
    first = await gateway.post(f"{BASE}/requests.json", data=sent, headers=key)
    again = await gateway.post(f"{BASE}/requests.json", data=sent, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
