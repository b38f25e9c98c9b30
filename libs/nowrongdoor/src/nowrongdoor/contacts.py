"""A complainant's addresses on their way from intake to notifications, sealed.

Intake hears the addresses (with the complaint, or added later on the tracking API) and
announces `complaint.contact-changed` carrying them sealed under the contact-transport keys,
which only intake and notifications hold: `NWD_CONTACT_TRANSPORT_KEYS` (`id:base64,…`, the first
active), or in development a key file both processes share in the data folder.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from nowrongdoor.crypto import Sealer, StaticKeys

_CONTEXT = "contact-transport:"


class ContactDetails(BaseModel):
    """Where the complainant wants to be told; either may be absent."""

    email: str | None = Field(None, examples=["amina@example.org"])
    phone: str | None = Field(None, examples=["+212 600 000 000"])

    def is_empty(self) -> bool:
        return not (self.email or self.phone)


def transport_keys(spec: str | None, data_dir: Path, *, production: bool) -> StaticKeys:
    """The contact-transport keys from settings, or the development key file."""
    if spec:
        return StaticKeys.parse(spec)
    if production:
        raise ValueError("NWD_CONTACT_TRANSPORT_KEYS must be set in production")
    return StaticKeys.from_file(data_dir / "keys" / "contact-transport.keys", create=True)


def seal_contact(keys: StaticKeys, reference: str, contact: ContactDetails) -> str:
    """The sealed form carried on `complaint.contact-changed`, bound to its reference."""
    return Sealer(keys).seal(contact.model_dump_json(), _CONTEXT + reference)


def open_contact(keys: StaticKeys, reference: str, sealed: str) -> ContactDetails:
    return ContactDetails.model_validate_json(Sealer(keys).open(sealed, _CONTEXT + reference))
