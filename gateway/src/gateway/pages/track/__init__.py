"""Following a case as pages: the receipt checked once, then a short session for that one case.

Reading, replying, downloading a file, withdrawing and leaving go through the session
(`visit.py`); changing where the person is told asks for the receipt again, as intake keeps
those addresses under it. `reading.py` opens and shows the case, `writing.py` changes it;
`gateway.pages.case_words` says its status in plain words, for these pages and for Open311.
"""

from __future__ import annotations

from fastapi import APIRouter

from gateway.pages.track import reading, writing

router = APIRouter(include_in_schema=False)
router.include_router(reading.router)
router.include_router(writing.router)
