"""The statistics' front door: the months there are, the licence, and where everything is."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from gateway.api.answers import PUBLIC_BRIEFLY
from gateway.api.statistics.publication import (
    DATASETS,
    GRANULARITY,
    JOINT_CASES,
    LICENCE,
    MEDIA_TYPES,
    SUPPRESSION_RULE,
    Addresses,
    Dataset,
    Format,
    Licence,
)
from gateway.api.statistics.reading import UNAVAILABLE, published_months
from gateway.edge.authentication import ANONYMOUS_ALLOWED
from gateway.upstreams import UpstreamsDep
from nowrongdoor.contracts.statistics import MIN_TIMED_CASES, SUPPRESSION_THRESHOLD

router = APIRouter()

EXAMPLE_BASE = "https://nowrongdoor.example/v1/statistics"


class Links(BaseModel):
    """Every endpoint of the statistics, absolute."""

    cases: str = Field(examples=[f"{EXAMPLE_BASE}/cases"])
    timings: str = Field(examples=[f"{EXAMPLE_BASE}/timings"])
    promises: str = Field(examples=[f"{EXAMPLE_BASE}/promises"])
    series: str = Field(description="Month after month", examples=[f"{EXAMPLE_BASE}/months"])
    running_month: str = Field(
        description="Complaints received so far this month, network-wide, in steps of the "
        "threshold",
        examples=[f"{EXAMPLE_BASE}/running-month"],
    )
    dictionary: str = Field(examples=[f"{EXAMPLE_BASE}/dictionary"])
    dictionary_csv: str = Field(examples=[f"{EXAMPLE_BASE}/dictionary.csv"])
    catalogue: str = Field(
        description="The DCAT-AP description, for open data portals to harvest",
        examples=[f"{EXAMPLE_BASE}/catalogue.jsonld"],
    )
    openapi: str = Field(examples=["https://nowrongdoor.example/openapi.json"])


class DownloadLink(BaseModel):
    dataset: Dataset
    format: Format
    media_type: str = Field(examples=["text/csv"])
    url: str = Field(examples=[f"{EXAMPLE_BASE}/downloads/2026-11/cases.csv"])


class MonthDownloads(BaseModel):
    """One month's files: each dataset as CSV and JSON, and the whole month as one JSON."""

    month: str = Field(examples=["2026-11"])
    whole_month: str = Field(examples=[f"{EXAMPLE_BASE}/downloads/2026-11.json"])
    files: list[DownloadLink]


class StatisticsIndex(BaseModel):
    """What the network publishes, under which licence, and where."""

    title: str
    description: str
    months: list[str] = Field(description="Oldest first", examples=[["2026-10", "2026-11"]])
    latest: str | None = Field(description="Null while there is none", examples=["2026-11"])
    threshold: int = Field(
        description="Counts from 1 to this minus one are never published",
        examples=[SUPPRESSION_THRESHOLD],
    )
    suppression: str = Field(description="The suppression rule in plain words")
    granularity: str
    joint_cases: str = Field(description="How a case several institutions share is counted")
    licence: Licence
    links: Links
    downloads: list[MonthDownloads] = Field(description="Oldest first")


def month_downloads(addresses: Addresses, month: str) -> MonthDownloads:
    return MonthDownloads(
        month=month,
        whole_month=addresses.whole_month(month),
        files=[
            DownloadLink(
                dataset=dataset,
                format=format,
                media_type=media_type,
                url=addresses.download(month, dataset, format),
            )
            for dataset in DATASETS
            for format, media_type in MEDIA_TYPES.items()
        ],
    )


@router.get(
    "",
    summary="What the network publishes about its work",
    description=(
        "The months there are statistics for and the latest, the suppression threshold and "
        "rule, the licence (Licence Ouverte / Open Licence 2.0, which lets the figures be "
        "reused in works under ODbL or CC-BY), and the address of every endpoint and "
        "download: each month's cases, timings and promises as CSV and JSON, the data "
        "dictionary, and the DCAT-AP catalogue that open data portals harvest. Nothing "
        "published names or points at a person: no free text, no reference, no date finer "
        "than the month, and no count under the threshold."
    ),
    responses={200: {"description": "The index"}, 503: UNAVAILABLE},
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_index(
    request: Request, upstreams: UpstreamsDep, response: Response
) -> StatisticsIndex:
    months = await published_months(upstreams)
    addresses = Addresses.of(request)
    response.headers.update(PUBLIC_BRIEFLY)
    return StatisticsIndex(
        title="No Wrong Door: the network's statistics",
        description=(
            "Complaints the network's institutions received and closed each month, by "
            "institution, office, category, respondent type, territory, channel and outcome; "
            "how long they took; how often they kept the dates they promised. Anonymised: "
            "small counts are withheld so that no one can be recognised."
        ),
        months=months,
        latest=months[-1] if months else None,
        threshold=SUPPRESSION_THRESHOLD,
        suppression=SUPPRESSION_RULE.format(
            last=SUPPRESSION_THRESHOLD - 1, threshold=SUPPRESSION_THRESHOLD, timed=MIN_TIMED_CASES
        ),
        granularity=GRANULARITY,
        joint_cases=JOINT_CASES,
        licence=LICENCE,
        links=Links(
            cases=addresses.api("cases"),
            timings=addresses.api("timings"),
            promises=addresses.api("promises"),
            series=addresses.series,
            running_month=addresses.running_month,
            dictionary=addresses.dictionary,
            dictionary_csv=addresses.dictionary_csv,
            catalogue=addresses.catalogue,
            openapi=addresses.openapi,
        ),
        downloads=[month_downloads(addresses, month) for month in months],
    )
