"""The Open311 GeoReport v2 facade under /open311/v2/: municipal and civic systems file and follow
complaints in the standard they already speak. docs/open311.md describes the mapping."""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, FastAPI

from gateway.open311 import catalogue, requests
from gateway.open311.door import PREFIX

ERROR_CONTENT: Final = {
    "application/json": {
        "schema": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "description"],
                "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
            },
        },
        "example": [{"code": 400, "description": "service_code: is required"}],
    },
    "text/xml": {"schema": {"type": "string"}},
}
router = APIRouter(prefix="/open311/v2", tags=["open311"])
router.include_router(catalogue.router)
router.include_router(requests.router)


def document_errors(app: FastAPI) -> None:
    """Make the OpenAPI document say what the facade sends when it refuses: the GeoReport v2
    error list, in the format of the path, and a 400 where the REST API says 422."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        for path, operations in document.get("paths", {}).items():
            if path.startswith(PREFIX):
                for operation in operations.values():
                    _open311_refusals(operation.get("responses", {}))
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _open311_refusals(responses: dict[str, Any]) -> None:
    invalid = responses.pop("422", None)
    if invalid is not None and "400" in responses:
        responses["400"]["description"] += f"; {invalid['description']}"
    elif invalid is not None:
        responses["400"] = invalid
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400:
            response["content"] = ERROR_CONTENT
