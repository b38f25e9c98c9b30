"""Competence routing's rules: the directory, its registry, decisions, explanations, the guide.

Pure code, with no web framework, bus, database or clock; the main names are re-exported here.
"""

from routing.domain.conditions import Condition
from routing.domain.decide import Decision, Reason, competent_institution, decide
from routing.domain.mandate import (
    MandateRejected,
    StaleMandate,
    UnknownInstitution,
    mandate_etag,
    mandate_of,
    validate_mandate,
)
from routing.domain.registry import Institution, Office, Registry, load_seed_registry
from routing.domain.specification import MandateProblem, RegistryError, RuleSpec

__all__ = [
    "Condition",
    "Decision",
    "Institution",
    "MandateProblem",
    "MandateRejected",
    "Office",
    "Reason",
    "Registry",
    "RegistryError",
    "RuleSpec",
    "StaleMandate",
    "UnknownInstitution",
    "competent_institution",
    "decide",
    "load_seed_registry",
    "mandate_etag",
    "mandate_of",
    "validate_mandate",
]
