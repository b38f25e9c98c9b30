"""The baselines' server: bare FastAPI endpoints doing only the work the platform cannot avoid.

`POST /hash` hashes a new receipt exactly as intake does (the same hasher, so the baseline follows
any change of parameters), off the event loop on the same threads as intake; `GET /ping` answers
a small JSON document and does nothing else. Served by uvicorn with the services' defaults.
"""

from __future__ import annotations

from fastapi import FastAPI, status

from intake.domain.receipts import hashed
from nowrongdoor.ids import new_receipt

app = FastAPI()


@app.post("/hash", status_code=status.HTTP_201_CREATED)
async def hash_one() -> dict[str, str]:
    receipt = new_receipt()
    await hashed(receipt)
    return {"receipt": receipt}


@app.get("/ping")
async def ping() -> dict[str, bool]:
    return {"ok": True}
