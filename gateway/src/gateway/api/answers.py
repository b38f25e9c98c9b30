"""What several routes answer alike: problem documents in the OpenAPI description, caching."""

from __future__ import annotations

from typing import Any

from nowrongdoor.problems import Problem

PROBLEM: dict[str, Any] = {"model": Problem, "content": {"application/problem+json": {}}}
NO_STORE = {"Cache-Control": "no-store"}
PUBLIC_BRIEFLY = {"Cache-Control": "public, max-age=60"}


def problem_answer(description: str, example: Problem | None = None) -> dict[str, Any]:
    """An answer documented as a problem document, with an example when one helps."""
    content: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/Problem"}}
    if example is not None:
        content["example"] = example.model_dump(exclude_none=True)
    return {"description": description, "content": {"application/problem+json": content}}


def unavailable(service: str) -> dict[str, Any]:
    return {**PROBLEM, "description": f"{service} is not answering; nothing was changed"}
