"""Typed clients for the internal services; the gateway holds no business rules of its own."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

import httpx
from fastapi import Depends, Request

from nowrongdoor.auth import INTERNAL_AUDIENCE, Principal, SigningKey, issue_token
from nowrongdoor.contracts.cases import CaseView, InstitutionCasePage
from nowrongdoor.contracts.intake import ComplaintAccepted, ComplaintForStaff, ComplaintSubmission
from nowrongdoor.contracts.vocabulary import Channel
from nowrongdoor.problems import FieldProblem, ProblemError
from nowrongdoor.telemetry import inject_trace_headers

ResubmissionAnswer = Literal["accepted", "no-match", "not-waiting", "decision-pending"]


class UpstreamUnavailable(ProblemError):
    def __init__(self, service: str) -> None:
        super().__init__(
            503,
            f"The {service} service is not answering right now; nothing was changed. "
            "Please try again shortly.",
            headers={"Retry-After": "5"},
        )


class Upstreams:
    """One HTTP client per process, shared by the typed calls below."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        signing_key: SigningKey,
        token_ttl_seconds: int,
        intake: str,
        routing: str,
        cases: str,
    ) -> None:
        self.http = http
        self.signing_key = signing_key
        self.token_ttl_seconds = token_ttl_seconds
        self.intake = intake.rstrip("/")
        self.routing = routing.rstrip("/")
        self.cases = cases.rstrip("/")
        self._institutions: tuple[float, set[str]] | None = None

    async def _call(
        self, caller: Principal, service: str, method: str, url: str, **kwargs: Any
    ) -> httpx.Response:
        token = issue_token(
            self.signing_key, caller, audience=INTERNAL_AUDIENCE, ttl_seconds=self.token_ttl_seconds
        )
        extra: dict[str, str] = kwargs.pop("headers", None) or {}
        headers = inject_trace_headers({**extra, "Authorization": f"Bearer {token}"})
        try:
            response = await self.http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            raise UpstreamUnavailable(service) from error
        if response.status_code >= 500:
            raise UpstreamUnavailable(service)
        return response

    async def submit(
        self, caller: Principal, submission: ComplaintSubmission, channel: Channel
    ) -> ComplaintAccepted:
        response = await self._call(
            caller,
            "intake",
            "POST",
            f"{self.intake}/internal/complaints",
            json={"submission": submission.model_dump(mode="json"), "channel": channel},
        )
        if response.status_code != 201:
            raise UpstreamUnavailable("intake")
        return ComplaintAccepted.model_validate_json(response.content)

    async def check_receipt(
        self, caller: Principal, reference: str, receipt: str
    ) -> dict[str, Any] | None:
        response = await self._call(
            caller,
            "intake",
            "POST",
            f"{self.intake}/internal/receipts/check",
            json={"reference": reference, "receipt": receipt},
        )
        if response.status_code != 200:
            return None
        result: dict[str, Any] = response.json()
        return result

    async def case(self, caller: Principal, reference: str) -> CaseView | None:
        response = await self._call(
            caller, "case-tracking", "GET", f"{self.cases}/internal/cases/{reference}"
        )
        if response.status_code == 404:
            return None
        return CaseView.model_validate_json(response.content)

    async def institution_ids(self) -> set[str]:
        """The participating institutions, cached for a minute."""
        now = time.monotonic()
        if self._institutions and now - self._institutions[0] < 60:
            return self._institutions[1]
        response = await self._call(
            Principal.public(), "routing", "GET", f"{self.routing}/internal/institutions"
        )
        ids = {item["institution_id"] for item in response.json()}
        self._institutions = (now, ids)
        return ids

    async def routing_call(
        self, caller: Principal, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        """Routing's internal API on behalf of `caller`; its 4xx answers are the caller's to see."""
        return await self._call(caller, "routing", method, f"{self.routing}{path}", **kwargs)

    async def resubmit(self, caller: Principal, reference: str, receipt: str) -> ResubmissionAnswer:
        """What intake made of the resubmission."""
        response = await self._call(
            caller,
            "intake",
            "POST",
            f"{self.intake}/internal/complaints/{reference}/resubmission",
            json={"reference": reference, "receipt": receipt, "administration_contacted": True},
        )
        if response.status_code == 404:
            return "no-match"
        if response.status_code == 409:
            pending = response.json().get("type") == "/problems/decision-pending"
            return "decision-pending" if pending else "not-waiting"
        if response.status_code != 200:
            # Intake refused what the gateway itself validated: nothing changed; never "accepted".
            raise UpstreamUnavailable("intake")
        return "accepted"

    async def complaint_for_staff(
        self, caller: Principal, reference: str
    ) -> ComplaintForStaff | None:
        response = await self._call(
            caller, "intake", "GET", f"{self.intake}/internal/complaints/{reference}"
        )
        if response.status_code != 200:
            return None
        return ComplaintForStaff.model_validate_json(response.content)

    async def institution_cases(
        self, caller: Principal, institution_id: str, *, limit: int, cursor: str | None
    ) -> InstitutionCasePage:
        params: dict[str, str | int] = {"institution_id": institution_id, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await self._call(
            caller, "case-tracking", "GET", f"{self.cases}/internal/cases", params=params
        )
        if response.status_code == 422:
            raise ProblemError(
                422,
                "1 field is invalid",
                errors=[FieldProblem(field="cursor", message="Not a cursor this list handed out")],
            )
        return InstitutionCasePage.model_validate_json(response.content)


def get_upstreams(request: Request) -> Upstreams:
    upstreams: Upstreams = request.app.state.upstreams
    return upstreams


UpstreamsDep = Annotated[Upstreams, Depends(get_upstreams)]
