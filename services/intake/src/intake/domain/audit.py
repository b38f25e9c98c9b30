"""Who acts on personal data, as the audit log names them: never the personal data itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nowrongdoor.auth import Principal

Action = Literal[
    "export",
    "erase",
    "read-personal-data",
    "purge",
    "key-rotation",
    "contact-change",
    "contact-removal",
]


@dataclass(frozen=True)
class Actor:
    """Who acted: a verified API principal, or the platform itself."""

    client_id: str
    kind: str
    institution_id: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.client_id, principal.kind, principal.institution_id)


RETENTION = Actor(client_id="intake-retention", kind="system")


def operator(name: str) -> Actor:
    """An operator running a command on the platform's machines."""
    return Actor(client_id=name[:100] or "operator", kind="operator")
