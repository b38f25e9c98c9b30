from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class DeliveryPublic(BaseModel):
    id: str
    reference: str
    recipient: str
    channel: str
    kind: str
    status: str
    cause_event_id: str
    created_at: datetime
