"""A tiny service for the supervisor tests: uvicorn serves it, `/readyz` answers.

NWD_FAKE_DIE_ONCE names a marker file: the first start creates it and exits with code 3.
NWD_FAKE_HANG_ON_STOP makes shutdown never finish, so only SIGKILL ends the process.
NWD_FAKE_CHATTER=N writes N lines as it starts, each written on its own, as access-log lines are.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def create_app() -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    marker = os.environ.get("NWD_FAKE_DIE_ONCE")
    if marker and not Path(marker).exists():
        Path(marker).touch()
        print("fake service dies on its first start", flush=True)
        os._exit(3)
    hang_on_stop = bool(os.environ.get("NWD_FAKE_HANG_ON_STOP"))
    for number in range(int(os.environ.get("NWD_FAKE_CHATTER", "0"))):
        print(f"chatter {number}", flush=True)
    print(f"fake service starting in {os.environ.get('NWD_ENVIRONMENT')}", file=sys.stderr)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if hang_on_stop:
                        await asyncio.Event().wait()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        status = 200 if scope["path"] in ("/readyz", "/healthz") else 404
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    return app
