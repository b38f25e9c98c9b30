"""Small stand-ins for the internal services, speaking their HTTP contracts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt

from nowrongdoor.ids import new_receipt, new_reference

from .fake_routing import FakeRouting


class FakeServices:
    def __init__(self) -> None:
        self.submissions: dict[str, tuple[str, dict[str, Any]]] = {}
        self.submitted_by: dict[str, dict[str, Any]] = {}
        self.cases: dict[str, dict[str, Any]] = {}
        self.down: set[str] = set()
        self.routing = FakeRouting()
        self.erased_at: dict[str, str] = {}
        self.personal_data_callers: list[dict[str, Any]] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        service = {8001: "intake", 8002: "routing", 8003: "case-tracking"}[request.url.port or 0]
        if service in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        path = request.url.path
        if path == "/internal/complaints":
            reference, receipt = new_reference(), new_receipt()
            self.submissions[reference] = (receipt, json.loads(request.content))
            self.submitted_by[reference] = _claims(request)
            return httpx.Response(201, json={"reference": reference, "receipt": receipt})
        if path == "/internal/receipts/check":
            asked = json.loads(request.content)
            known = self.submissions.get(asked["reference"])
            if known is None or known[0] != asked["receipt"]:
                return httpx.Response(404, json={"status": 404})
            return httpx.Response(
                200,
                json={
                    "reference": asked["reference"],
                    "received_at": datetime.now(UTC).isoformat(),
                    "received_by": None,
                    "language": "fr",
                },
            )
        if path.startswith("/internal/cases/"):
            case = self.cases.get(path.rsplit("/", 1)[1])
            return httpx.Response(200, json=case) if case else httpx.Response(404, json={})
        if service == "routing":
            return self.routing.handle(request)
        if path in ("/internal/personal-data/export", "/internal/personal-data/erase"):
            return self._personal_data(request, erase=path.endswith("/erase"))
        return httpx.Response(404, json={})

    def _personal_data(self, request: httpx.Request, *, erase: bool) -> httpx.Response:
        asked = json.loads(request.content)
        known = self.submissions.get(asked["reference"])
        if known is None or known[0] != asked["receipt"]:
            return httpx.Response(404, json={"status": 404})
        self.personal_data_callers.append(_claims(request))
        reference, filed = asked["reference"], known[1]["submission"]
        if erase:
            self.erased_at.setdefault(reference, datetime.now(UTC).isoformat())
        erased_at = self.erased_at.get(reference)
        complainant = filed["complainant"]
        identity = {key: complainant.get(key) for key in ("name", "email", "phone")}
        return httpx.Response(
            200,
            json={
                "reference": reference,
                "received_at": datetime.now(UTC).isoformat(),
                "received_by": filed.get("received_by"),
                "channel": known[1]["channel"],
                "category": filed["category"],
                "respondent_type": filed["respondent"]["type"],
                "respondent_territory": filed["respondent"]["territory"],
                "language": filed["language"],
                "erased": erased_at is not None,
                "erased_at": erased_at,
                "erasure_reason": "request" if erased_at else None,
                "identity": None if erased_at or complainant["anonymous"] else identity,
                "description": None if erased_at else filed["description"],
                "respondent_name": None if erased_at else filed["respondent"]["name"],
            },
        )


def _claims(request: httpx.Request) -> dict[str, Any]:
    """The principal the gateway signed inward; the real services verify it, the fake only reads."""
    token = request.headers["authorization"].removeprefix("Bearer ")
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def complaint(**overrides: Any) -> dict[str, Any]:
    """A valid complaint body, anonymous, about a commune in Casablanca-Settat."""
    body: dict[str, Any] = {
        "description": "The commune has not answered my request for five months.",
        "category": "maladministration",
        "respondent": {"name": "Commune", "type": "local-authority", "territory": "MA-06"},
        "complainant": {"role": "citizen", "anonymous": True},
        "administration_contacted": True,
        "court_case_pending": False,
        "language": "fr",
    }
    body.update(overrides)
    return body
