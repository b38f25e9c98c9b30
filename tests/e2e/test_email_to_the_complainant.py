"""A complainant who gives an email address hears of their case by email, through the mail
catcher `nowrongdoor up` starts, in their language; the timeline says so without the address,
and `nowrongdoor mail` lists what arrived."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from email.message import EmailMessage
from typing import Any

import httpx

from nowrongdoor.mailcatcher import read_mail, stored_mail
from nowrongdoor.testing.apps import eventually

from .conftest import Platform
from .test_complaint_to_case import complaint, file, follow_until

ADDRESS = "salma.bennani@example.org"


def parts(message: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): str(part.get_content())
        for part in message.walk()
        if isinstance(part, EmailMessage) and not part.is_multipart()
    }


async def test_an_arabic_complainant_gets_the_acknowledgement_by_email(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    identified = {"role": "citizen", "anonymous": False, "name": "Salma Bennani", "email": ADDRESS}
    accepted = await file(gateway, complaint(language="ar", complainant=identified))
    reference = accepted["reference"]
    mail = platform.data_dir / "mail"

    async def arrived() -> list[EmailMessage] | None:
        mine = [read_mail(m.path) for m in stored_mail(mail) if ADDRESS in m.to]
        return mine or None

    [first, *_] = await eventually(arrived, timeout=30, interval=0.3)

    text = parts(first)
    assert reference in text["text/plain"]
    assert 'dir="rtl"' in text["text/html"]
    assert accepted["receipt"] not in " ".join(text.values())
    assert first["Content-Language"] == "ar"

    async def told() -> dict[str, Any] | None:
        case = await follow_until(gateway, accepted, "routed", "received")
        summaries = [entry["summary"] for entry in case["timeline"]]
        # In the complaint's language, Arabic here: "An email was sent to you".
        return case if "أُرسل إليك بريد إلكتروني" in summaries else None

    case = await eventually(told, timeout=30, interval=0.5)
    assert ADDRESS not in str(case)

    listed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "nowrongdoor.cli", "mail", "--data-dir", str(platform.data_dir)],
        env=platform.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert ADDRESS in listed.stdout
