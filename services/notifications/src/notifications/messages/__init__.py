"""The words of every notice in every language: one catalogue per language, two layouts, `render`.

Translators edit `catalogue/<language>.json` only: for each kind, for each audience that receives
it, a `subject`, a `text` (one paragraph) and a `short` (the SMS form), with `{placeholders}`
filled from the notice (`reference`, and the details below), and optionally a `general` set of
the three used when a notice lacks a detail they need. `templates/layout.html` and
`templates/layout.txt` lay the paragraphs out; the HTML one carries the language's direction.

Details each kind's words need (never personal data): `status-changed` → `status`;
`deadline-breached` → `standard`, `due`; any kind may carry `promised`, a list of
`{"standard", "due"}`, each told after the kind's own words; `transferred-in` → `from_institution`;
`transferred-out` → `to_institution` (else the `institution_ids` it went to, else its `general`
words); `endpoint-disabled` → `url_host`, `reason`. Institution ids are shown by their name when
`details["institution_names"]` maps them (`{id: name}`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notifications.channels import CannotDeliver, Notice, Rendered

__all__ = [
    "AUDIENCES",
    "KINDS",
    "LANGUAGES",
    "Audience",
    "WordingError",
    "catalogue",
    "render",
]

Audience = Literal["complainant", "institution"]

LANGUAGES: tuple[str, ...] = ("ar", "fr", "en", "nl", "de")
FALLBACK_LANGUAGES: tuple[str, ...] = ("fr", "en")

AUDIENCES: Mapping[str, tuple[Audience, ...]] = {
    "acknowledgement": ("complainant",),
    "status-changed": ("complainant",),
    "message-received": ("complainant", "institution"),
    "deadline-breached": ("complainant", "institution"),
    "triage-waiting": ("institution",),
    "case-opened": ("institution",),
    "transferred-in": ("institution",),
    "transferred-out": ("institution",),
    "invitation-received": ("institution",),
    "endpoint-disabled": ("institution",),
}
"""Every kind a notice may have, and who may be told it."""

KINDS: tuple[str, ...] = tuple(AUDIENCES)

SMS_LENGTH = 160
_HERE = Path(__file__).parent


class WordingError(CannotDeliver, LookupError):
    """A notice the catalogues have no words for, or whose words need a detail it lacks.

    A `CannotDeliver`: sending again changes nothing until the words or the notice are fixed.
    """


@cache
def catalogue(language: str) -> dict[str, Any]:
    """The words of one language, as its translators wrote them."""
    path = _HERE / "catalogue" / f"{language}.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def language_of(requested: str) -> str:
    """The language to write in: the one asked (`fr-BE` is `fr`), else French, else English."""
    primary = requested.strip().lower().replace("_", "-").partition("-")[0]
    for language in (primary, *FALLBACK_LANGUAGES):
        if language in LANGUAGES:
            return language
    return FALLBACK_LANGUAGES[-1]


@dataclass(frozen=True)
class _Link:
    label: str
    url: str


class _Words:
    """Look-ups in one language's catalogue, falling back to French then English per phrase."""

    def __init__(self, language: str) -> None:
        chain = [language, *(other for other in FALLBACK_LANGUAGES if other != language)]
        self.language = language
        self.catalogues = [catalogue(name) for name in chain]

    def phrase(self, *path: str) -> str | None:
        for words in self.catalogues:
            found: Any = words
            for key in path:
                found = found.get(key) if isinstance(found, dict) else None
            if isinstance(found, str):
                return found
        return None

    def required(self, *path: str) -> str:
        found = self.phrase(*path)
        if found is None:
            raise WordingError(f"no wording for {'/'.join(path)} in {self.language}")
        return found


class _Placeholders(dict[str, str]):
    """What `{placeholders}` are filled with; asking for one a notice lacks names it."""

    def __init__(self, kind: str, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.kind = kind

    def __missing__(self, key: str) -> str:
        raise WordingError(f"the words for `{self.kind}` need the detail `{key}`")


def _placeholders(notice: Notice, words: _Words) -> _Placeholders:
    details = notice.details
    names = details.get("institution_names")
    names = names if isinstance(names, dict) else {}
    values = {"reference": notice.reference}
    for key in ("url_host", "reason"):
        if details.get(key) is not None:
            values[key] = str(details[key])
    if details.get("due") is not None:
        values["due"] = _day(details["due"], words.language)
    if details.get("status") is not None:
        status = str(details["status"])
        values["status"] = words.phrase("statuses", status) or status
    if details.get("standard") is not None:
        standard = str(details["standard"])
        values["standard"] = words.phrase("standards", standard) or standard
    for key in ("from_institution", "to_institution"):
        if details.get(key) is not None:
            institution = str(details[key])
            values[key] = str(names.get(institution) or institution)
    destinations = details.get("institution_ids")
    if "to_institution" not in values and isinstance(destinations, list) and destinations:
        # Sent on to the competent institutions: name them all.
        values["to_institution"] = ", ".join(str(names.get(i) or i) for i in destinations)
    return _Placeholders(notice.kind, values)


def _day(day: object, language: str) -> str:
    """A date as the reader's language writes it in full (`10 décembre 2026`); as given when it
    is not an ISO date."""
    try:
        return format_date(date.fromisoformat(str(day)), format="long", locale=language)
    except ValueError:
        return str(day)


def _wording(
    notice: Notice, audience: Audience, words: _Words, *, with_promises: bool
) -> dict[str, str]:
    """The notice's subject, text and SMS form, each promised step that follows told after."""
    wording = _kind_wording(notice, audience, words)
    promised = notice.details.get("promised") if with_promises else None
    for step in promised if isinstance(promised, list) else []:
        values = {
            "standard": words.phrase("standards", str(step["standard"])) or str(step["standard"]),
            "due": _day(step["due"], words.language),
        }
        wording["text"] += " " + words.required("promised", "text").format_map(values)
        wording["short"] += " " + words.required("promised", "short").format_map(values)
    return wording


def _kind_wording(notice: Notice, audience: Audience, words: _Words) -> dict[str, str]:
    if audience not in AUDIENCES.get(notice.kind, ()):
        raise WordingError(f"`{notice.kind}` is not a notice for the {audience}")
    values = _placeholders(notice, words)
    parts = ("subject", "text", "short")
    try:
        return {
            part: words.required("kinds", notice.kind, audience, part).format_map(values)
            for part in parts
        }
    except WordingError:
        if words.phrase("kinds", notice.kind, audience, "general", "text") is None:
            raise
    return {
        part: words.required("kinds", notice.kind, audience, "general", part).format_map(values)
        for part in parts
    }


def _case_url(public_url: str, reference: str, audience: Audience, language: str) -> str:
    """The complainant's case page in the message's language (one of the pages' five), its
    reference filled in; the institution's, its case in the API."""
    if audience == "complainant":
        return f"{public_url}/{language}/track?reference={quote(reference, safe='')}"
    return f"{public_url}/v1/cases/{quote(reference, safe='')}"


def _links(
    notices: Sequence[Notice], audience: Audience, public_url: str, words: _Words
) -> list[_Link]:
    links: list[_Link] = []
    seen: set[str] = set()
    for notice in notices:
        if notice.kind == "endpoint-disabled":
            target = "endpoints"
            link = _Link(words.required("links", "endpoints"), f"{public_url}/v1/webhooks")
        elif notice.reference:
            target = notice.reference
            label = words.required("links", audience).format_map({"reference": notice.reference})
            url = _case_url(public_url, notice.reference, audience, words.language)
            link = _Link(label, url)
        else:
            continue
        if target not in seen:
            seen.add(target)
            links.append(link)
    return links


def _sms(text: str, url: str | None) -> str:
    """`text` and the link, the text shortened (never the link) to fit one SMS where it can."""
    if url is None:
        return text if len(text) <= SMS_LENGTH else text[: SMS_LENGTH - 1].rstrip() + "…"
    room = SMS_LENGTH - len(url) - 1
    if len(text) > room >= 20:
        text = text[: room - 1].rstrip() + "…"
    return f"{text} {url}"


def render(
    notices: Sequence[Notice], language: str, audience: Audience, public_url: str
) -> Rendered:
    """One message telling `notices` (a merged burst) in `language`, for `audience`."""
    if not notices:
        raise ValueError("nothing to render: no notices")
    words = _Words(language_of(language))
    base = public_url.rstrip("/")
    # In a burst only the latest promises still hold.
    latest = max((i for i, n in enumerate(notices) if n.details.get("promised")), default=-1)
    parts = [
        _wording(notice, audience, words, with_promises=i == latest)
        for i, notice in enumerate(notices)
    ]
    links = _links(notices, audience, base, words)
    references = list(dict.fromkeys(notice.reference for notice in notices if notice.reference))
    if len(parts) == 1:
        subject, short = parts[0]["subject"], parts[0]["short"]
    else:
        one_case = len(references) == 1
        counts = {
            "count": str(len(parts)),
            "reference": references[0] if references else "",
            "references": ", ".join(references),
        }
        subject = words.required("many", "subject_one_case" if one_case else "subject_cases")
        short = words.required("many", "short_one_case" if one_case else "short_cases")
        subject, short = subject.format_map(counts), short.format_map(counts)
    short = _sms(short, links[0].url if len(links) == 1 else None)
    context = {
        "language": words.language,
        "direction": words.required("direction"),
        "subject": subject,
        "paragraphs": [part["text"] for part in parts],
        "links": links,
        "footer": words.required("footer", audience),
    }
    environment = _environment()
    return Rendered(
        language=words.language,
        subject=subject,
        text=environment.get_template("layout.txt").render(context),
        html=environment.get_template("layout.html").render(context),
        short=short,
    )
