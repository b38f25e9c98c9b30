"""The running month's one figure: how many complaints the whole network has received so far."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from gateway.api.statistics.reading import PUBLIC, UNAVAILABLE
from gateway.edge.authentication import ANONYMOUS_ALLOWED
from gateway.upstreams import UpstreamsDep
from nowrongdoor.contracts.statistics import SUPPRESSION_THRESHOLD

router = APIRouter()

RUNNING_FRESH = {"Cache-Control": "public, max-age=10"}
"""Case-tracking keeps the figure ten seconds; a cache may too."""

ROUNDING = (
    f"The count is rounded down to a multiple of {SUPPRESSION_THRESHOLD}, and withheld while "
    f"under {SUPPRESSION_THRESHOLD}: it moves only every {SUPPRESSION_THRESHOLD} complaints, and "
    "is never broken down by institution, subject, place or channel, so that no reading can be "
    "set beside another to learn anything about one complaint. The month's full tables are "
    "published the day after it ends."
)


class RunningMonthAnswer(BaseModel):
    """The complaints the network has received so far this month, all together."""

    month: str = Field(description="The running month, YYYY-MM (UTC)", examples=["2026-12"])
    complaints_received: int | None = Field(
        description=f"At least this many complaints: a multiple of {SUPPRESSION_THRESHOLD}; "
        f"null while fewer than {SUPPRESSION_THRESHOLD} were received",
        examples=[40],
    )
    suppressed: bool = Field(description="True while the count is withheld")
    rounding: str = Field(description="How the figure is rounded, in plain words")


@router.get(
    "/running-month",
    summary="Complaints received so far this month, network-wide",
    description=(
        "The one figure published about the month still running: how many complaints the "
        "whole network has received since it began, at least. " + ROUNDING
    ),
    responses={200: {"description": "The running month's figure"}, 503: UNAVAILABLE},
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_running_month(upstreams: UpstreamsDep, response: Response) -> RunningMonthAnswer:
    running = await upstreams.statistics.running(PUBLIC)
    response.headers.update(RUNNING_FRESH)
    return RunningMonthAnswer(
        month=running.month,
        complaints_received=running.complaints_received,
        suppressed=running.suppressed,
        rounding=ROUNDING,
    )
