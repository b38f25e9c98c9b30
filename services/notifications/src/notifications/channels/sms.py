"""SMS through an HTTP provider: one JSON POST per message, de-duplicated by the delivery id.

The dispatcher knows SMS only through the `SmsSender` protocol (`notifications.channels`):
`async send(to, text, message_id)` returning when the provider took the message, raising
`TryLater` when it may take it later and `CannotDeliver` when it never will. To add another
provider, write a class with that one method beside this one (its own request shape, its own
status mapping, no number or text in an exception message) and choose it where the app builds
its senders, e.g. by the scheme or host of `NWD_NOTIFICATIONS_SMS_URL`.

`HttpSmsSender` posts `{"to", "text", "id"}` to `NWD_NOTIFICATIONS_SMS_URL` with
`Authorization: Bearer <NWD_NOTIFICATIONS_SMS_API_KEY>` and `Idempotency-Key: <id>`, so a
retried request never sends twice at a provider that honours the key.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from notifications.channels import CannotDeliver, TryLater
from notifications.settings import NotificationsSettings

__all__ = ["HttpSmsSender"]

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class HttpSmsSender:
    """Posts each SMS to one provider endpoint; a client may be shared, else one per message."""

    url: str
    api_key: str | None = None
    timeout: float = TIMEOUT_SECONDS
    client: httpx.AsyncClient | None = None

    @classmethod
    def from_settings(
        cls, settings: NotificationsSettings, client: httpx.AsyncClient | None = None
    ) -> HttpSmsSender | None:
        """The provider the settings name; None when `sms_url` is not set (no SMS is sent)."""
        if not settings.sms_url:
            return None
        return cls(url=settings.sms_url, api_key=settings.sms_api_key, client=client)

    async def send(self, to: str, text: str, message_id: str) -> None:
        """Hand one SMS to the provider; TryLater or CannotDeliver when it does not take it."""
        headers = {"Idempotency-Key": message_id}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        body = {"to": to, "text": text, "id": message_id}
        try:
            if self.client is not None:
                response = await self.client.post(
                    self.url, json=body, headers=headers, timeout=self.timeout
                )
            else:
                async with httpx.AsyncClient(timeout=self.timeout) as client:
                    response = await client.post(self.url, json=body, headers=headers)
        except httpx.HTTPError as error:
            # Never the error's own text: it may carry the URL's query or the request.
            raise TryLater(
                f"the SMS provider could not be reached ({type(error).__name__})"
            ) from None
        status = response.status_code
        if 200 <= status < 300:
            return
        # The provider's body may echo the number or the text: only the status is kept.
        if status == 429 or status >= 500:
            raise TryLater(f"the SMS provider answered {status}")
        raise CannotDeliver(f"the SMS provider refused the message ({status})")
