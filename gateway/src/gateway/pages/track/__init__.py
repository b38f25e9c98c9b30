"""Following a case as pages: the receipt checked once, then a short session for that one case.

Reading, replying, downloading a file, withdrawing and leaving go through the session
(`visit.py`); changing where the person is told, and downloading or erasing their personal data
(`personal_data.py`), ask for the receipt again, as intake keeps those under it. `reading.py`
opens and shows the case, `writing.py` changes it, `zones.py` says in which time zone;
`gateway.pages.case_words` says its status in plain words, for these pages and for Open311.
"""

from __future__ import annotations

from fastapi import APIRouter

from gateway.pages.track import personal_data, reading, writing

router = APIRouter(include_in_schema=False)
router.include_router(reading.router)
router.include_router(writing.router)
router.include_router(personal_data.router)
