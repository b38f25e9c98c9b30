"""A stand-in for routing's internal API: a two-institution directory, a guide, triage desks."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jwt

REGISTRY_VERSION = "sha256:00000000000000a1"
NAMES = {
    "ma-mediateur": {
        "en": "Institution of the Mediator of the Kingdom",
        "fr": "Institution du Médiateur du Royaume",
        "ar": "مؤسسة وسيط المملكة",
    },
    "ma-cndh": {
        "en": "National Human Rights Council",
        "fr": "Conseil National des Droits de l'Homme",
        "ar": "المجلس الوطني لحقوق الإنسان",
    },
}
RULE = {
    "id": "maladministration-public-bodies",
    "priority": 10,
    "categories": ["maladministration"],
    "respondent_types": ["local-authority"],
    "territories": ["MA"],
    "complainant_roles": ["citizen"],
    "prerequisites": ["administration-contacted"],
    "exclusions": [],
}


def problem(status: int, detail: str, slug: str, **extra: Any) -> httpx.Response:
    body = {"type": f"/problems/{slug}", "title": slug, "status": status, "detail": detail}
    return httpx.Response(
        status, json=body | extra, headers={"content-type": "application/problem+json"}
    )


class FakeRouting:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.bodies: list[Any] = []
        self.mandates: dict[str, list[dict[str, Any]]] = {
            institution: [RULE] for institution in NAMES
        }
        self.version = REGISTRY_VERSION
        self.triage_desks: dict[str, str] = {}
        self.decided: set[str] = set()

    def handle(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        claims = jwt.decode(
            request.headers["authorization"].removeprefix("Bearer "),
            options={"verify_signature": False},
        )
        self.calls.append((method, path, claims))
        self.bodies.append(json.loads(request.content) if request.content else None)
        language = request.url.params.get("lang", "en")
        parts = path.removeprefix("/internal/").split("/")
        if parts == ["institutions"]:
            return httpx.Response(200, json=[self.institution(i, language) for i in NAMES])
        if parts[0] == "institutions" and parts[1] not in NAMES:
            return problem(404, "No institution with this id.", "not-found")
        if parts[0] == "institutions" and len(parts) == 2:
            return httpx.Response(200, json=self.institution(parts[1], language))
        if parts[0] == "institutions" and method == "GET":
            return httpx.Response(200, json=self.mandate(parts[1]), headers={"ETag": '"v1"'})
        if parts[0] == "institutions":
            return self.change_mandate(parts[1], claims, json.loads(request.content))
        if parts == ["guide"]:
            return httpx.Response(200, json=self.guide(language))
        if parts == ["guide", "answers"]:
            return httpx.Response(200, json=self.answer(json.loads(request.content), language))
        if parts[0] == "triage" and parts[1] == "proposals":
            return httpx.Response(200, json=[])
        if parts[0] == "triage":
            return self.triage(parts[1], claims, json.loads(request.content))
        return httpx.Response(404, json={})

    def institution(self, institution_id: str, language: str) -> dict[str, Any]:
        return {
            "institution_id": institution_id,
            "name": NAMES[institution_id][language],
            "territory": "MA",
            "languages": ["ar", "fr"],
            "offices": [],
            "service_standards": {
                "acknowledge_days": 10,
                "admissibility_days": 30,
                "resolve_days": 90,
            },
            "categories": ["maladministration"],
            "registry_version": self.version,
        }

    def mandate(self, institution_id: str) -> dict[str, Any]:
        return {
            "institution_id": institution_id,
            "registry_version": self.version,
            "rules": self.mandates[institution_id],
        }

    def change_mandate(
        self, institution_id: str, claims: dict[str, Any], change: dict[str, Any]
    ) -> httpx.Response:
        own = claims["kind"] == "institution" and claims.get("institution") == institution_id
        if claims["kind"] != "admin" and not own:
            return problem(404, "No institution with this id.", "not-found")
        if own and "mandate:write" not in claims["scope"].split():
            return problem(
                403, "This client lacks the `mandate:write` scope.", "insufficient-scope"
            )
        unknown = [
            {"field": f"rules[{n}]", "message": f"rule {r['id']!r}: unknown territory {t!r}"}
            for n, r in enumerate(change["rules"])
            for t in r["territories"]
            if not t.startswith("MA")
        ]
        if unknown:
            return problem(422, "The mandate cannot be used.", "invalid-mandate", errors=unknown)
        changed = change["rules"] != self.mandates[institution_id]
        self.mandates[institution_id] = change["rules"]
        if changed:
            self.version = self.version[:-2] + "b2"
        return httpx.Response(
            200, json=self.mandate(institution_id) | {"changed": changed}, headers={"ETag": '"v2"'}
        )

    def guide(self, language: str) -> dict[str, Any]:
        texts = {"en": "Who is your complaint about?", "fr": "Contre qui porte votre plainte ?"}
        return {
            "language": language,
            "registry_version": self.version,
            "questions": [
                {
                    "id": "respondent_type",
                    "answers": "respondent_type",
                    "text": texts.get(language, "ضد من توجّه شكايتك؟"),
                    "options": [{"value": "local-authority", "label": "A municipality"}],
                }
            ],
        }

    def answer(self, answers: dict[str, Any], language: str) -> dict[str, Any]:
        name = NAMES["ma-mediateur"][language]
        return {
            "outcome": "competent",
            "reason": "single-institution",
            "registry_version": self.version,
            "institutions": [{"institution_id": "ma-mediateur", "name": name, "role": "lead"}],
            "candidates": [],
            "triage_institution": None,
            "explanation": f"{name} is competent for your complaint and will handle it.",
            "advice": None,
        }

    def triage(
        self, reference: str, claims: dict[str, Any], choice: dict[str, Any]
    ) -> httpx.Response:
        if self.triage_desks.get(reference) != claims.get("institution"):
            return problem(404, "No complaint awaits your triage.", "not-found")
        if reference in self.decided:
            return problem(409, "This complaint has already been decided.", "conflict")
        self.decided.add(reference)
        lead = choice["lead_institution_id"]
        return httpx.Response(
            200,
            json={
                "reference": reference,
                "decision_id": "d-2",
                "registry_version": self.version,
                "institutions": [
                    {"institution_id": lead, "name": NAMES[lead]["en"], "role": "lead"}
                ],
                "proposal_id": "p-1",
            },
        )
