"""Sealing a submission's personal data under its reference, and opening it again."""

from __future__ import annotations

import json

from intake.models import SEALED_FIELDS, Submission
from nowrongdoor.contacts import ContactDetails
from nowrongdoor.contracts.intake import ComplaintSubmission, Identity
from nowrongdoor.crypto import Sealer

OpenedData = tuple[Identity | None, str | None, str | None]
"""Identity, description and respondent name, each None when absent or erased."""


def context(record: Submission, column_name: str) -> str:
    """What a sealed value is bound to: its reference and what it holds, so none can be swapped."""
    return f"{record.reference}/{SEALED_FIELDS[column_name]}"


def seal(sealer: Sealer, record: Submission, submission: ComplaintSubmission) -> None:
    """Seal the words, the respondent's name and the identity given into `record`."""
    complainant = submission.complainant
    identity = {
        key: value
        for key, value in {
            "name": complainant.name,
            "email": complainant.email,
            "phone": complainant.phone,
        }.items()
        if value
    }
    record.sealed_description = sealer.seal(
        submission.description, context(record, "sealed_description")
    )
    record.sealed_respondent_name = sealer.seal(
        submission.respondent.name, context(record, "sealed_respondent_name")
    )
    record.sealed_identity = (
        sealer.seal(json.dumps(identity), context(record, "sealed_identity")) if identity else None
    )


def open_sealed(sealer: Sealer, record: Submission) -> OpenedData:
    """The personal data held for `record`, opened."""
    identity = (
        Identity.model_validate_json(
            sealer.open(record.sealed_identity, context(record, "sealed_identity"))
        )
        if record.sealed_identity
        else None
    )
    description = (
        sealer.open(record.sealed_description, context(record, "sealed_description"))
        if record.sealed_description
        else None
    )
    respondent = (
        sealer.open(record.sealed_respondent_name, context(record, "sealed_respondent_name"))
        if record.sealed_respondent_name
        else None
    )
    return identity, description, respondent


def seal_contact(sealer: Sealer, record: Submission, contact: ContactDetails) -> None:
    """Keep the addresses the complainant changed to (empty once removed) into `record`."""
    record.sealed_contact = sealer.seal(
        contact.model_dump_json(), context(record, "sealed_contact")
    )


def open_contact(sealer: Sealer, record: Submission, identity: Identity | None) -> ContactDetails:
    """Where the complainant is told: as changed since, else as given with the complaint."""
    if record.sealed_contact:
        return ContactDetails.model_validate_json(
            sealer.open(record.sealed_contact, context(record, "sealed_contact"))
        )
    if identity is None:
        return ContactDetails()
    return ContactDetails(email=identity.email, phone=identity.phone)
