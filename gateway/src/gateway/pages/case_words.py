"""A case's status, promises and outcome in plain words, for the catalogue to translate.

The track pages and the Open311 facade both say a status this way; this module stands outside
`gateway.pages.track` so that Open311 can use it without loading the pages' forms."""

from __future__ import annotations

from typing import Final

from gateway.pages.rendering import N_, translate
from nowrongdoor.contracts.vocabulary import CaseStatus

STATUS_WORDS: Final = {
    CaseStatus.RECEIVED: N_(
        "Your complaint was received and is on its way to the right institution."
    ),
    CaseStatus.ROUTED: N_("Your complaint has reached the institution competent for it."),
    CaseStatus.TRIAGE: N_("An institution is deciding who is competent for your complaint."),
    CaseStatus.ACKNOWLEDGED: N_("The institution has confirmed it received your complaint."),
    CaseStatus.ADMISSIBLE: N_("The institution has accepted to deal with your complaint."),
    CaseStatus.INADMISSIBLE: N_(
        "The institution cannot deal with your complaint; it says why below."
    ),
    CaseStatus.INVESTIGATING: N_("The institution is looking into your complaint."),
    CaseStatus.AWAITING_COMPLAINANT: N_("The institution is waiting for an answer from you."),
    CaseStatus.RESOLVED: N_("The institution has reached a decision on your complaint."),
    CaseStatus.TRANSFERRED: N_("Your complaint was handed on to another institution."),
    CaseStatus.WITHDRAWN: N_("You withdrew your complaint."),
    CaseStatus.CLOSED: N_("Your case is closed."),
}
STANDARD_WORDS: Final = {
    "acknowledge": N_("confirm receipt"),
    "admissibility": N_("decide whether it can deal with it"),
    "resolution": N_("reach a decision"),
}
OUTCOME_WORDS: Final = {
    "upheld": N_("Your complaint was upheld."),
    "partly-upheld": N_("Your complaint was partly upheld."),
    "not-upheld": N_("Your complaint was not upheld."),
    "mediated": N_("Your complaint was settled by mediation."),
    "withdrawn": N_("Your complaint was withdrawn."),
}
DONE_WORDS: Final = {
    "reply": N_("Your message was sent."),
    "contact": N_("From now on you will be told at the address you gave."),
    "uncontact": N_("You will no longer be told by email or text message."),
    "withdrawn": N_("Your complaint is withdrawn."),
}


def status_words(language: str, status: CaseStatus) -> str:
    return translate(language, STATUS_WORDS[status])
