"""What routing may know of a complaint: its facts, never who filed it or their words."""

from __future__ import annotations

from intake.models import Submission
from nowrongdoor.contracts.events import ComplaintFacts


def facts_of(record: Submission) -> ComplaintFacts:
    """The facts of a submission as `complaint.received` and `complaint.resubmitted` carry them."""
    return ComplaintFacts.model_validate(
        {
            "category": record.category,
            "respondent_type": record.respondent_type,
            "respondent_territory": record.respondent_territory,
            "complainant_role": record.complainant_role,
            "anonymous": record.anonymous,
            "administration_contacted": record.administration_contacted,
            "court_case_pending": record.court_case_pending,
            "language": record.language,
            "received_by": record.received_by,
            "channel": record.channel,
            "relayed_by": record.relayed_by,
        }
    )
