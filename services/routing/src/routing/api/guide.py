"""The citizens' guide: its questions, and the institution its answers lead to."""

from __future__ import annotations

from fastapi import APIRouter

from nowrongdoor.contracts.routing import Guide, GuideAnswer, GuideAnswers
from nowrongdoor.runtime import RuntimeDep
from routing import service
from routing.api.dependencies import LanguageQuery, StoreDep

router = APIRouter(prefix="/guide")


@router.get("")
async def get_guide(runtime: RuntimeDep, store: StoreDep, language: LanguageQuery = "en") -> Guide:
    return await service.guide_questions(runtime.sessions, store, language)


@router.post("/answers")
async def answer_guide(
    answers: GuideAnswers, runtime: RuntimeDep, store: StoreDep, language: LanguageQuery = "en"
) -> GuideAnswer:
    # Nothing here is stored or logged: the answers live only in this request.
    return await service.answer_guide(runtime.sessions, store, answers, language)
