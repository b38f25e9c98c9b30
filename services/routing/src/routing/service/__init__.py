"""Routing's use cases: one function per thing a caller asks, each owning its transaction.

`directory` loads, reads and changes the directory and answers the guide; `decisions` decides
complaints, by the engine or at triage, and writes each announcement to the outbox;
`accreditations` keeps NGOs' accreditations and their criteria. The refusals a caller may meet are
re-exported here with them.
"""

from routing.domain import MandateRejected, StaleMandate, UnknownInstitution
from routing.repository import VersionSummary
from routing.service.accreditation_records import AccreditationNotFound
from routing.service.accreditations import (
    NoCriteria,
    PendingApplication,
    load_demo_accreditations,
)
from routing.service.decisions import (
    AlreadyDecided,
    DecidedMeanwhile,
    DecisionNotFound,
    InvalidChoice,
    current_decision,
    decide_at_triage,
    decision_history,
    reroute_complaint,
    route_complaint,
    triage_proposals,
)
from routing.service.directory import (
    MandateState,
    NotPermitted,
    RegistryStore,
    answer_guide,
    change_mandate,
    current_registry,
    guide_questions,
    load_directory,
    mandate,
    registry_history,
)
from routing.service.transactions import DatabaseUnavailable, RegistryBusy

__all__ = [
    "AccreditationNotFound",
    "AlreadyDecided",
    "DatabaseUnavailable",
    "DecidedMeanwhile",
    "DecisionNotFound",
    "InvalidChoice",
    "MandateRejected",
    "MandateState",
    "NoCriteria",
    "NotPermitted",
    "PendingApplication",
    "RegistryBusy",
    "RegistryStore",
    "StaleMandate",
    "UnknownInstitution",
    "VersionSummary",
    "answer_guide",
    "change_mandate",
    "current_decision",
    "current_registry",
    "decide_at_triage",
    "decision_history",
    "guide_questions",
    "load_demo_accreditations",
    "load_directory",
    "mandate",
    "registry_history",
    "reroute_complaint",
    "route_complaint",
    "triage_proposals",
]
