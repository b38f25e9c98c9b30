"""One visit to a case: who holds its session, and the pages that show it or ask for it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from gateway.pages.case_words import DONE_WORDS, OUTCOME_WORDS, STANDARD_WORDS, status_words
from gateway.pages.i18n import api_language
from gateway.pages.rendering import N_, render, translate
from gateway.pages.sessions import tracking_sessions
from gateway.pages.track.zones import case_zone
from gateway.upstreams import Upstreams
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseView
from nowrongdoor.contracts.vocabulary import CaseStatus

FINISHED: Final = frozenset({CaseStatus.WITHDRAWN, CaseStatus.CLOSED})
# What the case page says after its own actions, beside those every page of a case knows.
DONE_HERE: Final = {
    **DONE_WORDS,
    "erased": N_(
        "Your personal data has been erased. You can still follow your case with your reference "
        "and receipt."
    ),
}
SESSION_ENDED: Final = N_(
    "Your session has ended, to protect your case. Give your reference and receipt again."
)


def normalised_reference(text: str | None) -> str:
    """A reference as pasted or typed: spaces gone, letters upper case."""
    return "".join((text or "").split()).upper()


def normalised_receipt(text: str | None) -> str:
    """A receipt as pasted or typed: its digits, whatever separated them."""
    return "".join(ch for ch in (text or "") if ch.isdigit())


def form_page(
    request: Request,
    language: str,
    *,
    reference: str = "",
    error: str | None = None,
    status: int = 200,
    done: str | None = None,
    pending: str | None = None,
) -> Response:
    """The reference and receipt form; `pending` is a reply typed when the session ended, kept
    to be sent once the receipt is given again. `error` and `done` are catalogue messages."""
    return render(
        request,
        language,
        "track_form.html",
        {
            "reference": reference,
            "error": translate(language, error) if error else None,
            "done": translate(language, done) if done else None,
            "pending": pending,
        },
        title=translate(language, "Follow my case"),
        status=status,
    )


def version(case: CaseView) -> str:
    """Changes whenever what the case page shows does: the live status compares it."""
    seen = (case.status, len(case.timeline), len(case.messages), [p.due for p in case.promised])
    return hashlib.sha256(repr(seen).encode()).hexdigest()[:16]


def back_to_case(language: str, done: str | None = None, anchor: str = "") -> RedirectResponse:
    query = f"?done={done}" if done else ""
    return RedirectResponse(f"/{language}/track{query}{anchor}", status_code=303)


async def session_holder(request: Request) -> Principal | None:
    """The complainant whose case this browser's session opens; None without a session."""
    return await tracking_sessions(request).complainant(request)


@dataclass(frozen=True)
class CaseVisit:
    """A complainant at their case's page, in one language, through the gateway's clients."""

    request: Request
    language: str
    complainant: Principal
    upstreams: Upstreams

    @classmethod
    async def of(
        cls, request: Request, language: str, upstreams: Upstreams, *, pending: str | None = None
    ) -> CaseVisit | Response:
        """The visit of the session's case, or the receipt form when the session has ended
        (with `pending`, a reply typed meanwhile, kept)."""
        complainant = await session_holder(request)
        if complainant is None:
            return form_page(request, language, pending=pending, status=401, error=SESSION_ENDED)
        return cls(request, language, complainant, upstreams)

    @property
    def reference(self) -> str:
        assert self.complainant.case_reference is not None, "a session is for one case"
        return self.complainant.case_reference

    async def case(self) -> CaseView | None:
        """The case as the complainant sees it, its timeline in the page's language."""
        cases = self.upstreams.cases.reading_in(api_language(self.language))
        return await cases.case(self.complainant, self.reference)

    async def page(self, *, kept: dict[str, str] | None = None, status: int = 200) -> Response:
        """The case page, with what the person typed in `kept` written back into its fields."""
        return await self._page({}, kept or {}, status)

    async def refused(
        self, status: int, field: str, message: str, kept: dict[str, str] | None = None
    ) -> Response:
        """The case page again, `message` (a catalogue message) at `field`, nothing lost."""
        return await self._page({field: translate(self.language, message)}, kept or {}, status)

    async def _page(self, errors: dict[str, str], kept: dict[str, str], status: int) -> Response:
        language = self.language
        case = await self.case()
        if case is None:
            title = translate(language, "Your case is being opened")
            return render(self.request, language, "track_opening.html", title=title)
        done = self.request.query_params.get("done")
        outcome = OUTCOME_WORDS[case.outcome] if case.outcome else None
        context = {
            "case": case,
            "names": {i.institution_id: i.name for i in case.institutions},
            "status_words": status_words(language, case.status),
            "standard_words": {k: translate(language, v) for k, v in STANDARD_WORDS.items()},
            "outcome_words": translate(language, outcome) if outcome else None,
            "finished": case.status in FINISHED,
            "done": translate(language, DONE_HERE[done]) if done in DONE_HERE else None,
            "errors": errors,
            "kept": kept,
            "version": version(case),
            "zone": await case_zone(self.upstreams.routing, case),
        }
        title = translate(language, "Your case")
        return render(
            self.request, language, "track_case.html", context, title=title, status=status
        )
