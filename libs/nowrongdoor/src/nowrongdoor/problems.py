"""Errors as RFC 9457 problem details, with stable `type` URIs and nothing inside to leak.

No answer carries a stack trace, SQL, or the value a client sent: only which field is wrong and why.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "/problems/"

_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    502: "Upstream service failed",
    503: "Service unavailable",
}
_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "request-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "rate-limited",
    500: "internal-error",
    502: "upstream-failed",
    503: "unavailable",
}


class FieldProblem(BaseModel):
    field: str = Field(examples=["respondent.type"])
    message: str = Field(examples=["Input should be 'citizen', 'public-official' or 'ngo'"])


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=["/problems/validation-error"])
    title: str = Field(examples=["Invalid request"])
    status: int = Field(examples=[422])
    detail: str | None = Field(None, examples=["2 fields are invalid"])
    instance: str | None = None
    errors: list[FieldProblem] | None = None


class ProblemError(Exception):
    """Raise from anywhere to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        slug: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[FieldProblem] | None = None,
    ) -> None:
        super().__init__(detail or title or _TITLES.get(status, "Error"))
        self.status = status
        self.detail = detail
        self.slug = slug or _SLUGS.get(status, "error")
        self.title = title or _TITLES.get(status, "Error")
        self.headers = headers or {}
        self.errors = errors


def problem_response(
    status: int,
    *,
    slug: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    problem = Problem(
        type=PROBLEM_BASE + (slug or _SLUGS.get(status, "error")),
        title=title or _TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=instance,
        errors=errors,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def field_problems(errors: Any) -> list[FieldProblem]:
    problems = []
    for error in errors:
        location = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "query", "header", "path", "cookie")
        ]
        if error.get("type") == "json_invalid":
            problems.append(FieldProblem(field="body", message="The body is not valid JSON"))
            continue
        if error.get("type") == "missing" and not location:
            problems.append(FieldProblem(field="body", message="A JSON body is required"))
            continue
        problems.append(
            FieldProblem(field=".".join(location) or "body", message=str(error.get("msg", "")))
        )
    return problems


def install_problem_handlers(app: FastAPI) -> None:
    document_problems(app)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = field_problems(error.errors())
        count = len(problems)
        return problem_response(
            422,
            detail=f"{count} field{'s are' if count != 1 else ' is'} invalid",
            errors=problems,
        )

    @app.exception_handler(ProblemError)
    async def _problem(_request: Request, error: ProblemError) -> JSONResponse:
        return problem_response(
            error.status,
            slug=error.slug,
            title=error.title,
            detail=error.detail,
            errors=error.errors,
            headers=error.headers,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        detail: str | None = error.detail if isinstance(error.detail, str) else None
        if detail == _TITLES.get(error.status_code) or detail in (
            "Not Found",
            "Method Not Allowed",
        ):
            detail = None
        return problem_response(error.status_code, detail=detail, headers=dict(error.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        log.error("unhandled error", extra={"error": type(error).__name__})
        return problem_response(500, detail="Something went wrong on our side; nothing was lost.")


def document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what the handlers send: problem details, not FastAPI's 422."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = generate()
        problem_content = {
            PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}},
        }
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                answer = operation.get("responses", {}).get("422")
                if answer and "application/json" in answer.get("content", {}):
                    answer["content"] = problem_content
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in (
            Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            .pop("$defs", {})
            .items()
        ):
            schemas.setdefault(name, schema)
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        problem.pop("$defs", None)
        schemas.setdefault("Problem", problem)
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
