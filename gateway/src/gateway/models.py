"""The gateway's own tables: the API clients it issues tokens to, and what was done to them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from nowrongdoor.db import UTCDateTime


class ApiClient(SQLModel, table=True):
    """An institution, NGO or administrator system that authenticates with client credentials."""

    __tablename__ = "api_clients"

    client_id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(max_length=20)
    institution_id: str | None = Field(
        default=None, max_length=64, description="the institution it acts for; an NGO's own id"
    )
    name: str = Field(max_length=200)
    scopes: str = Field(max_length=500, description="granted scopes, space-separated")
    secret_hash: str = Field(max_length=200)
    previous_secret_hash: str | None = Field(default=None, max_length=200)
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    rotated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class ClientAudit(SQLModel, table=True):
    """Append-only: who did what to which client, and each refused token request."""

    __tablename__ = "client_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    client_id: str = Field(foreign_key="api_clients.client_id", max_length=40, index=True)
    action: str = Field(max_length=30)
    actor: str = Field(max_length=200)
    detail: str | None = Field(default=None, max_length=200)
