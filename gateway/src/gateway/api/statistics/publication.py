"""What every published file says about itself: its licence, its datasets, and where each lives.

Addresses are absolute, built from the address the request came to, so a file saved or harvested
elsewhere still names where it came from and where its dictionary is.
"""

from __future__ import annotations

from typing import Literal, get_args

from fastapi import Request
from pydantic import BaseModel, Field

Dataset = Literal["cases", "timings", "promises"]
"""The three files published each month: counts of cases, times taken, promised dates kept."""
DATASETS: tuple[Dataset, ...] = get_args(Dataset)
Format = Literal["csv", "json"]
MEDIA_TYPES: dict[Format, str] = {"csv": "text/csv", "json": "application/json"}
PREFIX = "/v1/statistics"
PUBLISHER = "No Wrong Door network"

SUPPRESSION_RULE = (
    "A count from 1 to {last} is never published: the cell is withheld, its count left empty "
    "and marked `suppressed`. So that a withheld count cannot be worked out from the totals, "
    "nor shown by them to be under the threshold, other cells are withheld with it "
    "(complementary suppression): whatever is published, each withheld count could still be "
    "{threshold} or more. Times and shares are withheld when the cases they are measured on "
    "are; a median or 90th percentile is published only from {timed} cases or more, in whole "
    "days. A count of 0 points at no one and is not withheld for itself."
)
"""The suppression rule in plain words; `last` is the threshold minus one, `timed` the fewest
cases times are published from."""
JOINT_CASES = (
    "A complaint several institutions are competent for is one joint case with a part per "
    "institution: it counts once for each of those institutions, and the network's totals "
    "(`all`) are the sums of the institutions' counts, so they count cases handled by "
    "institutions, a joint case once per institution, not complaints."
)
GRANULARITY = (
    "Month: every figure covers one calendar month (UTC), written YYYY-MM. Nothing finer than "
    "the month is published. A month is published once, the day after it has ended (so that "
    "what was under way at midnight is counted), and never revised: figures of a running "
    "month, or revised later, would differ from one reading to the next by exactly the cases "
    "in between. Of the running month, only the network's count of complaints received so far "
    "is given, with no breakdown, rounded down to a multiple of the threshold."
)


class Licence(BaseModel):
    """The licence the statistics are published under."""

    name: str = Field(examples=["Licence Ouverte / Open Licence version 2.0"])
    identifier: str = Field(description="Its SPDX identifier", examples=["etalab-2.0"])
    url: str = Field(examples=["https://www.etalab.gouv.fr/licence-ouverte-open-licence/"])
    compatible_with: list[str] = Field(
        description="Licences of works the statistics may be reused in (SPDX identifiers)",
        examples=[["ODbL-1.0", "CC-BY-4.0", "ODC-By-1.0"]],
    )
    attribution: str = Field(description="How to credit the source when reusing")


LICENCE = Licence(
    name="Licence Ouverte / Open Licence version 2.0",
    identifier="etalab-2.0",
    url="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    compatible_with=["ODbL-1.0", "CC-BY-4.0", "ODC-By-1.0"],
    attribution=f"Source: {PUBLISHER}, published statistics (with the month reused)",
)


class Addresses:
    """The absolute address of every published resource, from one base URL."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.root = self.base + PREFIX

    @classmethod
    def of(cls, request: Request) -> Addresses:
        return cls(str(request.base_url))

    @property
    def index(self) -> str:
        return self.root

    def api(self, dataset: Dataset, month: str | None = None) -> str:
        """The API's answer for a dataset, for one month or the latest."""
        return f"{self.root}/{dataset}" + (f"?month={month}" if month else "")

    @property
    def series(self) -> str:
        return f"{self.root}/months"

    @property
    def running_month(self) -> str:
        return f"{self.root}/running-month"

    @property
    def dictionary(self) -> str:
        return f"{self.root}/dictionary"

    @property
    def dictionary_csv(self) -> str:
        return f"{self.root}/dictionary.csv"

    @property
    def catalogue(self) -> str:
        return f"{self.root}/catalogue.jsonld"

    @property
    def openapi(self) -> str:
        return f"{self.base}/openapi.json"

    def download(self, month: str, dataset: Dataset, format: Format) -> str:
        return f"{self.root}/downloads/{month}/{dataset}.{format}"

    def whole_month(self, month: str) -> str:
        return f"{self.root}/downloads/{month}.json"


def file_name(month: str, dataset: Dataset | None, format: Format) -> str:
    """A download's name: what it is and which month, so saved files sort and never collide."""
    return f"nowrongdoor-statistics-{month}" + (f"-{dataset}" if dataset else "") + f".{format}"
