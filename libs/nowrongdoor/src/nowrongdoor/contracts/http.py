"""What every typed service client shares: a signed call on a caller's behalf, and typed errors.

A service answers a refusal as an RFC 9457 problem with a stable `type`; the client raises it as a
`ServiceProblem` whose `slug` callers match on, never the wording. A service that cannot be
reached, fails, or refuses the platform's own signature raises `ServiceUnavailable`.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

import httpx
from opentelemetry import propagate
from pydantic import BaseModel, ValidationError

from nowrongdoor.auth import INTERNAL_AUDIENCE, IssuedTokens, Principal, SigningKey
from nowrongdoor.problems import PROBLEM_BASE, Problem, ProblemError

Shape = TypeVar("Shape", bound=BaseModel)


class ServiceUnavailable(ProblemError):
    """The service did not answer, failed, or answered what it never should; nothing changed."""

    def __init__(self, service: str) -> None:
        super().__init__(
            503,
            f"The {service} service is not answering right now; nothing was changed. "
            "Please try again shortly.",
            headers={"Retry-After": "5"},
        )
        self.service = service


class ServiceProblem(ProblemError):
    """A service refused the call with a problem document; raised as the caller's own."""

    def __init__(self, service: str, problem: Problem, headers: dict[str, str]) -> None:
        super().__init__(
            problem.status,
            problem.detail,
            slug=problem.type.removeprefix(PROBLEM_BASE),
            title=problem.title,
            errors=problem.errors,
            headers=headers,
        )
        self.service = service


# Headers of a refusal worth passing on to whoever made the call.
_RELAYED_HEADERS = ("retry-after", "www-authenticate")


class ServiceClient:
    """Calls one internal service on behalf of a caller, with a short-lived signed token."""

    service: ClassVar[str]

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        *,
        signing_key: SigningKey,
        token_ttl_seconds: int = 60,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.tokens = IssuedTokens(
            signing_key, audience=INTERNAL_AUDIENCE, ttl_seconds=token_ttl_seconds
        )

    async def call(
        self,
        caller: Principal,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """The service's answer below 400; a refusal as `ServiceProblem`; else unavailable."""
        token = self.tokens.token_for(caller)
        sent = {**(headers or {}), "Authorization": f"Bearer {token}"}
        # The trace goes on with the call; where spans are exported, the httpx instrumentation
        # puts its client span's in its place.
        propagate.inject(sent)
        try:
            response = await self.http.request(
                method, f"{self.base_url}{path}", headers=sent, **kwargs
            )
        except httpx.HTTPError as error:
            raise ServiceUnavailable(self.service) from error
        if response.status_code < 400:
            return response
        # The platform signed the call itself: a service refusing it is the platform's fault.
        if response.status_code >= 500 or response.status_code in (401, 405):
            raise ServiceUnavailable(self.service)
        try:
            problem = Problem.model_validate_json(response.content)
        except ValidationError:
            raise ServiceUnavailable(self.service) from None
        relayed = {
            name: response.headers[name] for name in _RELAYED_HEADERS if name in response.headers
        }
        raise ServiceProblem(self.service, problem, relayed)

    def read(self, response: httpx.Response, shape: type[Shape]) -> Shape:
        """The answer in its contract's shape; one that does not fit is the service's fault."""
        try:
            return shape.model_validate_json(response.content)
        except ValidationError as error:
            raise ServiceUnavailable(self.service) from error

    def read_list(self, response: httpx.Response, shape: type[Shape]) -> list[Shape]:
        try:
            return [shape.model_validate(item) for item in response.json()]
        except (ValidationError, ValueError, TypeError) as error:
            raise ServiceUnavailable(self.service) from error
