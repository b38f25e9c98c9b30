"""Webhooks on the wire: the payload, secrets, signatures, the address guard, one POST.

A webhook URL is checked when it is registered and again before every call, because what its
host resolves to may change. The call then goes to the very address that was checked (the
original name still carried in `Host` and in TLS SNI), so a second lookup cannot slip a private
address in between. Redirects are never followed. Nothing here raises with a URL or host in its
message: reasons are stored and shown to operators.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import secrets
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import httpx
from standardwebhooks import Webhook

from notifications.models import Delivery

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
_DEFAULT_PORTS = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

KIND_EVENT_TYPES: dict[str, str] = {
    "case-opened": "org.nowrongdoor.case.opened.v1",
    "status-changed": "org.nowrongdoor.case.status-changed.v1",
    "message-received": "org.nowrongdoor.case.message-posted.v1",
    "transferred-in": "org.nowrongdoor.case.transferred.v1",
    "transferred-out": "org.nowrongdoor.case.transferred.v1",
    "deadline-breached": "org.nowrongdoor.case.deadline-breached.v1",
    "invitation-received": "org.nowrongdoor.case.invitation-sent.v1",
    "triage-waiting": "org.nowrongdoor.complaint.triage-required.v1",
}
"""A delivery's event type when its details do not carry `event_type`."""

PAYLOAD_FIELDS: dict[str, str] = {
    "status": "status",
    "previous_status": "previous_status",
    "institution": "institution_id",
    "institution_id": "institution_id",
    "institution_ids": "institution_ids",
    "from_institution": "from_institution_id",
    "to_institution": "to_institution_id",
    "standard": "standard",
    "due": "due",
    "audience": "audience",
    "message_id": "message_id",
    "invitation_id": "invitation_id",
}
"""The details a payload may carry, by their name in it: ids, statuses and dates, nothing else."""


class AddressRefused(Exception):
    """The URL may not be called: its scheme, its form, or an address its host resolves to."""


class AddressUnresolved(Exception):
    """The host did not resolve just now; it may later."""


@dataclass(frozen=True)
class UrlRules:
    """What a webhook URL may be: plain `http` and private addresses only where allowed."""

    allow_http: bool
    allow_private: bool


@dataclass(frozen=True)
class Answer:
    """How one POST went: the receiver's status code, or why there was none, and how long."""

    outcome: Literal["delivered", "gone", "retry"]
    status_code: int | None
    error: str | None
    duration_ms: int


def new_secret() -> str:
    """A fresh endpoint secret in the Standard Webhooks form, `whsec_` and 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secrets_in_force: Sequence[str], msg_id: str, timestamp: datetime, body: str) -> str:
    """The `webhook-signature` header: one `v1,…` entry per secret in force, space-separated."""
    return " ".join(Webhook(secret).sign(msg_id, timestamp, body) for secret in secrets_in_force)


def event_type_of(delivery: Delivery) -> str:
    named = delivery.details.get("event_type")
    return str(named) if named else KIND_EVENT_TYPES.get(delivery.kind, delivery.kind)


def payload(delivery: Delivery, public_url: str) -> str:
    """What is posted: the event type, when it happened, and references, ids, statuses, links."""
    data: dict[str, Any] = {"reference": delivery.reference, "kind": delivery.kind}
    for name, shown_as in PAYLOAD_FIELDS.items():
        if delivery.details.get(name) is not None:
            data[shown_as] = delivery.details[name]
    data["links"] = {"case": f"{public_url.rstrip('/')}/v1/cases/{delivery.reference}"}
    document = {
        "type": event_type_of(delivery),
        "timestamp": delivery.created_at.isoformat(),
        "data": data,
    }
    return json.dumps(document, separators=(",", ":"))


def check_form(url: str, rules: UrlRules) -> httpx.URL:
    """The URL parsed, or AddressRefused with a plain reason; no address is looked up here."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as error:
        raise AddressRefused("the URL cannot be read") from error
    if parsed.scheme not in _DEFAULT_PORTS:
        raise AddressRefused("the URL must start with https://")
    if parsed.scheme != "https" and not rules.allow_http:
        raise AddressRefused("the URL must use https outside development")
    if not parsed.host:
        raise AddressRefused("the URL names no host")
    if parsed.userinfo:
        raise AddressRefused("the URL must not carry a user name or password")
    if parsed.fragment:
        raise AddressRefused("the URL must not carry a fragment")
    return parsed


def forbidden(address: IPAddress) -> bool:
    """Whether an address is one a webhook must never reach outside development.

    An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        # Shared (carrier-grade NAT) space, documentation ranges and the like: not the internet.
        or not address.is_global
    )


async def resolve(url: httpx.URL, rules: UrlRules) -> list[IPAddress]:
    """Every address the URL's host stands for, each allowed by `rules`.

    AddressRefused when any is forbidden (one bad answer is enough to refuse: a resolver may
    rotate them); AddressUnresolved when the name does not resolve now.
    """
    host = url.host
    port = url.port or _DEFAULT_PORTS[url.scheme]
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        found: list[IPAddress] = [literal]
    else:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise AddressUnresolved("the host does not resolve") from error
        found = list(
            dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos)
        )
        if not found:
            raise AddressUnresolved("the host does not resolve")
    if not rules.allow_private and any(forbidden(address) for address in found):
        raise AddressRefused(
            "the host resolves to a loopback, private, link-local or otherwise non-public "
            "address, which webhooks may not reach"
        )
    return found


async def post(
    url: httpx.URL,
    address: IPAddress,
    *,
    headers: dict[str, str],
    body: str,
    timeout_seconds: float,
) -> Answer:
    """POST `body` to `url` at the checked `address`; never follows a redirect, never raises."""
    pinned = url.copy_with(host=str(address))
    default_port = url.port is None or url.port == _DEFAULT_PORTS[url.scheme]
    host_header = url.host if default_port else f"{url.host}:{url.port}"
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(
            timeout=timeout_seconds, follow_redirects=False, trust_env=False
        ) as http:
            response = await http.post(
                pinned,
                content=body.encode(),
                headers={**headers, "host": host_header},
                extensions={"sni_hostname": url.host},
            )
    except httpx.TimeoutException:
        return Answer("retry", None, "the receiver did not answer in time", _since(started))
    except httpx.HTTPError as error:
        reason = f"the receiver could not be reached ({type(error).__name__})"
        return Answer("retry", None, reason, _since(started))
    elapsed = _since(started)
    code = response.status_code
    if 200 <= code < 300:
        return Answer("delivered", code, None, elapsed)
    if code == 410:
        return Answer("gone", code, "the receiver answered 410 Gone", elapsed)
    return Answer("retry", code, f"the receiver answered {code}", elapsed)


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
