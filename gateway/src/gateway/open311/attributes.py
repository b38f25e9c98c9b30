"""The complaint categories as Open311 services, the guide's questions as their attributes, and
a posted request read back into the same submission the REST API takes.

Every service has the same attributes, because every complaint needs the same facts: the guide's
questions (who it is about, who is complaining, whether the body was contacted, whether a court
has the matter) as single-value lists with the guide's own options and wording, a `territory`
listing every country and region of the directory, the body's name, and the language. The
category is the service itself. Standard fields carry the rest: `description`, and the
complainant's `first_name`, `last_name`, `email` and `phone` — a request without a name is
anonymous. `lat`/`long` place a request that sends no territory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Final

from pydantic import ValidationError

from gateway.languages import LANGUAGES
from gateway.open311 import places
from nowrongdoor.contracts.intake import ComplaintSubmission
from nowrongdoor.contracts.routing import Guide, GuideOption, GuideQuestion
from nowrongdoor.contracts.vocabulary import Language
from nowrongdoor.problems import FieldProblem, ProblemError

CATEGORY: Final = "category"
TERRITORY_QUESTIONS: Final = ("country", "region")
TERRITORY: Final = "territory"
RESPONDENT_NAME: Final = "respondent_name"
LANGUAGE: Final = "language"
LANGUAGE_NAMES: Final[dict[Language, str]] = {
    "ar": "العربية",
    "fr": "Français",
    "en": "English",
    "nl": "Nederlands",
    "de": "Deutsch",
}
# Where a submission's field came from, for errors that name what the client sent.
SENT_AS: Final = {
    "description": "description",
    "respondent.name": f"attribute[{RESPONDENT_NAME}]",
    "respondent.type": "attribute[respondent_type]",
    "respondent.territory": f"attribute[{TERRITORY}]",
    "complainant.role": "attribute[complainant_role]",
    "complainant.name": "first_name",
    "complainant.email": "email",
    "complainant.phone": "phone",
    "complainant": "first_name",
    "administration_contacted": "attribute[administration_contacted]",
    "court_case_pending": "attribute[court_case_pending]",
    "language": f"attribute[{LANGUAGE}]",
    "category": "service_code",
}


def services(guide: Guide) -> list[dict[str, Any]]:
    """The service list: one service per complaint category, named in the guide's words."""
    [categories] = [question for question in guide.questions if question.id == CATEGORY]
    return [
        {
            "service_code": str(option.value),
            "service_name": option.label,
            "description": option.label,
            "metadata": True,
            "type": "realtime",
            "keywords": str(option.value).replace("-", " "),
            "group": "complaint",
        }
        for option in categories.options
    ]


def definition(guide: Guide, service_code: str) -> dict[str, Any]:
    """The service definition of one category, or a 404 when it names none."""
    if service_code not in {service["service_code"] for service in services(guide)}:
        raise ProblemError(404, f"There is no service `{service_code}`; see services.json.")
    attributes = [_question(question) for question in _fact_questions(guide)]
    attributes += [_territory(guide), _respondent_name(), _language()]
    for order, attribute in enumerate(attributes, start=1):
        attribute["order"] = order
    return {"service_code": service_code, "attributes": attributes}


def _fact_questions(guide: Guide) -> list[GuideQuestion]:
    return [
        question
        for question in guide.questions
        if question.id != CATEGORY and question.id not in TERRITORY_QUESTIONS
    ]


def _key(option: GuideOption) -> str:
    if isinstance(option.value, bool):
        return "true" if option.value else "false"
    return option.value


def _question(question: GuideQuestion) -> dict[str, Any]:
    return {
        "variable": True,
        "code": question.answers,
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": question.help,
        "description": question.text,
        "values": [{"key": _key(option), "name": option.label} for option in question.options],
    }


def _territory(guide: Guide) -> dict[str, Any]:
    questions = {question.id: question for question in guide.questions}
    countries = questions["country"].options
    regions = questions["region"].options
    names = {str(option.value): option.label for option in countries}
    values = [{"key": _key(option), "name": option.label} for option in countries]
    values += [
        {"key": _key(option), "name": f"{option.label} ({names.get(option.country or '', '')})"}
        for option in regions
    ]
    return {
        "variable": True,
        "code": TERRITORY,
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "An ISO 3166-2 region code, or the ISO 3166-1 country code when "
        "the region is not known. Required unless `lat` and `long` place the request.",
        "description": f"{questions['country'].text} {questions['region'].text}",
        "values": values,
    }


def _respondent_name() -> dict[str, Any]:
    return {
        "variable": True,
        "code": RESPONDENT_NAME,
        "datatype": "string",
        "required": True,
        "datatype_description": "Up to 300 characters",
        "description": "The name of the body complained about",
    }


def _language() -> dict[str, Any]:
    return {
        "variable": True,
        "code": LANGUAGE,
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "The language the complainant is written to in; the request's "
        "Accept-Language when left out, else English",
        "description": "The complainant's language",
        "values": [{"key": code, "name": LANGUAGE_NAMES[code]} for code in LANGUAGES],
    }


def territories(guide: Guide) -> frozenset[str]:
    """Every territory code the guide offers: the directory's countries and regions."""
    return frozenset(value["key"] for value in _territory(guide)["values"])


async def submission(
    form: Mapping[str, str], language: Language, known: frozenset[str]
) -> ComplaintSubmission:
    """The REST API's submission for a posted request, validated as the REST API validates it;
    a 400 naming each field as the client sent it when anything is wrong. `known` are the
    directory's territories, the ones `lat` and `long` are placed in."""
    attribute = {
        name[len("attribute[") : -1]: value
        for name, value in form.items()
        if name.startswith("attribute[") and name.endswith("]")
    }
    territory = attribute.get(TERRITORY) or await _placed(form, known)
    name = " ".join(part for part in (form.get("first_name"), form.get("last_name")) if part)
    complainant: dict[str, Any] = {
        "role": attribute.get("complainant_role"),
        "anonymous": not name,
        "name": name or None,
        "email": form.get("email") or None,
        "phone": form.get("phone") or None,
    }
    body = {
        "description": form.get("description"),
        "category": form.get("service_code"),
        "respondent": {
            "name": attribute.get(RESPONDENT_NAME),
            "type": attribute.get("respondent_type"),
            "territory": territory,
        },
        "complainant": complainant,
        "administration_contacted": attribute.get("administration_contacted"),
        "court_case_pending": attribute.get("court_case_pending"),
        "language": attribute.get(LANGUAGE) or language,
    }
    try:
        return ComplaintSubmission.model_validate(body)
    except ValidationError as error:
        raise _invalid(error) from None


async def _placed(form: Mapping[str, str], known: frozenset[str]) -> str:
    """The finest territory of the directory that `lat` and `long` fall in (a point outside
    the directory's countries keeps its own code, for routing to advise on); a 400 when neither
    they nor a territory place the request."""
    latitude, longitude = form.get("lat"), form.get("long")
    if not latitude or not longitude:
        raise _unplaced(
            f"Send attribute[{TERRITORY}] with an ISO 3166-2 code, or `lat` and `long`."
        )
    try:
        # The first lookup reads the boundaries, for seconds: never on the event loop.
        found = await asyncio.to_thread(places.territories_at, float(latitude), float(longitude))
    except ValueError:
        message = "`lat` and `long` must be decimal degrees, -90 to 90 and -180 to 180."
        raise _unplaced(message) from None
    if not found:
        raise _unplaced(
            f"`lat` and `long` fall in no country; send attribute[{TERRITORY}] instead."
        )
    return next((code for code in found if code in known), found[-1])


def _unplaced(message: str) -> ProblemError:
    return ProblemError(
        400,
        "The request cannot be placed.",
        slug="unplaced-request",
        title="Where is the body complained about?",
        errors=[FieldProblem(field=f"attribute[{TERRITORY}]", message=message)],
    )


def _invalid(error: ValidationError) -> ProblemError:
    problems = []
    for item in error.errors():
        path = ".".join(str(part) for part in item.get("loc", ()))
        field = SENT_AS.get(path, path)
        message = "is required" if item.get("type") in ("missing", "none_required") else None
        if item.get("input") is None and item.get("type") != "value_error":
            message = "is required"
        problems.append(FieldProblem(field=field, message=message or str(item.get("msg", ""))))
    count = len(problems)
    return ProblemError(
        400, f"{count} field{'s are' if count != 1 else ' is'} invalid", errors=problems
    )
