"""Small stand-ins for the internal services, speaking their HTTP contracts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx

from nowrongdoor.ids import new_receipt, new_reference


class FakeServices:
    def __init__(self) -> None:
        self.submissions: dict[str, tuple[str, dict[str, Any]]] = {}
        self.cases: dict[str, dict[str, Any]] = {}
        self.down: set[str] = set()

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
        if path == "/internal/institutions":
            return httpx.Response(
                200, json=[{"institution_id": "ma-mediateur", "name": "Médiateur"}]
            )
        return httpx.Response(404, json={})
