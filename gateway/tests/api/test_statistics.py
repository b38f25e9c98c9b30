"""The published statistics at the public edge, over a stand-in case-tracking and routing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import rdflib

from nowrongdoor.contracts.statistics import PromiseRow, RunningMonth, Statistics, TimingRow
from nowrongdoor.contracts.vocabulary import CaseOutcome, ServiceStandard

from ..fakes import FakeServices
from ..fakes.statistics import count_table

BASE = "http://service.test/v1/statistics"
PARAMETERLESS = (
    "/v1/statistics",
    "/v1/statistics/cases",
    "/v1/statistics/timings",
    "/v1/statistics/promises",
    "/v1/statistics/months",
    "/v1/statistics/running-month",
    "/v1/statistics/dictionary",
    "/v1/statistics/catalogue.jsonld",
)
COUNTED = ("count", "received", "cases", "complaints", "total", "closed", "opened")
NOT_COUNTED = ("day", "percent", "share", "month", "year")


def month_of(month: str, mediateur_received: int = 12) -> Statistics:
    """A month as case-tracking would publish it: small cells already withheld, with a
    complementary one so the first cannot be worked out from the total."""
    return Statistics(
        month=month,
        counts=[
            count_table(
                "received-by-institution",
                "received",
                ["institution"],
                {
                    ("ma-mediateur",): mediateur_received,
                    ("ma-cndh",): None,
                    ("none",): None,
                    ("all",): mediateur_received + 9,
                },
            ),
            count_table(
                "closed-by-institution",
                "closed",
                ["institution"],
                {("ma-mediateur",): 7, ("ma-cndh",): 0, ("all",): 7},
            ),
            count_table(
                "received-by-institution-and-category",
                "received",
                ["institution", "category"],
                {
                    ("ma-mediateur", "maladministration"): mediateur_received,
                    ("ma-cndh", "human-rights"): None,
                    ("ma-cndh", "all"): None,
                },
            ),
            count_table(
                "received-by-territory-2",
                "received",
                ["territory"],
                {("MA-06",): 15, ("MA-01",): None, ("all",): mediateur_received + 9},
                level=2,
            ),
            count_table(
                "closed-by-outcome",
                "closed",
                ["outcome"],
                {(CaseOutcome.UPHELD.value,): 7, ("none",): 0, ("all",): 7},
            ),
        ],
        timings=[
            TimingRow(
                institution="ma-mediateur",
                step="acknowledge",
                cases_measured=12,
                median_days=4.5,
                p90_days=9.0,
            ),
            TimingRow(
                institution="ma-cndh", step="acknowledge", cases_measured=None, suppressed=True
            ),
        ],
        promises=[
            PromiseRow(
                institution="ma-mediateur",
                standard=ServiceStandard.ACKNOWLEDGE,
                promises_due=10,
                kept_share=0.8,
            ),
            PromiseRow(
                institution="ma-cndh",
                standard=ServiceStandard.ACKNOWLEDGE,
                promises_due=None,
                suppressed=True,
            ),
        ],
    )


@pytest.fixture
def published(services: FakeServices) -> FakeServices:
    services.statistics.published = {
        "2026-10": month_of("2026-10", mediateur_received=8),
        "2026-11": month_of("2026-11"),
    }
    return services


def small_counts(document: Any, key: str = "") -> Iterator[tuple[str, int]]:
    """Every integer from 1 to 4 under a key that names a count, anywhere in the document."""
    if isinstance(document, dict):
        for name, value in document.items():
            yield from small_counts(value, name)
    elif isinstance(document, list):
        for value in document:
            yield from small_counts(value, key)
    elif isinstance(document, int) and 1 <= document <= 4:
        named = key.lower()
        if any(word in named for word in COUNTED) and not any(
            word in named for word in NOT_COUNTED
        ):
            yield key, document


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


# --- The index --------------------------------------------------------------------------------


async def test_the_index_names_the_months_the_licence_and_every_address(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    response = await client.get("/v1/statistics")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=60"
    index = response.json()
    assert (index["months"], index["latest"], index["threshold"]) == (
        ["2026-10", "2026-11"],
        "2026-11",
        5,
    )
    assert index["licence"]["identifier"] == "etalab-2.0"
    assert index["licence"]["url"] == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    assert {"ODbL-1.0", "CC-BY-4.0"} <= set(index["licence"]["compatible_with"])
    assert "1 to 4" in index["suppression"]
    assert index["links"] == {
        "cases": f"{BASE}/cases",
        "timings": f"{BASE}/timings",
        "promises": f"{BASE}/promises",
        "series": f"{BASE}/months",
        "running_month": f"{BASE}/running-month",
        "dictionary": f"{BASE}/dictionary",
        "dictionary_csv": f"{BASE}/dictionary.csv",
        "catalogue": f"{BASE}/catalogue.jsonld",
        "openapi": "http://service.test/openapi.json",
    }
    november = index["downloads"][1]
    assert november["whole_month"] == f"{BASE}/downloads/2026-11.json"
    assert {(file["url"], file["media_type"]) for file in november["files"]} == {
        (f"{BASE}/downloads/2026-11/{dataset}.{format}", media_type)
        for dataset in ("cases", "timings", "promises")
        for format, media_type in (("csv", "text/csv"), ("json", "application/json"))
    }
    # Statistics are public: case-tracking is asked on the public's behalf.
    assert {call.caller.kind for call in published.statistics.calls} == {"public"}


async def test_every_download_the_index_lists_answers(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    index = (await client.get("/v1/statistics")).json()
    addresses = [*index["links"].values()] + [
        address
        for month in index["downloads"]
        for address in (month["whole_month"], *(file["url"] for file in month["files"]))
    ]

    answers = [await client.get(address) for address in addresses]

    assert [answer.status_code for answer in answers] == [200] * len(addresses)


# --- The month's tables -----------------------------------------------------------------------


async def test_the_cases_of_the_latest_month_are_flattened_with_the_withheld_marked(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    response = await client.get("/v1/statistics/cases")

    assert response.status_code == 200
    answer = response.json()
    assert answer["month"] == "2026-11"
    assert answer["files"]["csv"] == f"{BASE}/downloads/2026-11/cases.csv"
    by_institution = answer["tables"][0]
    assert (by_institution["id"], by_institution["measure"], by_institution["level"]) == (
        "received-by-institution",
        "received",
        None,
    )
    assert by_institution["rows"][0] == {
        "institution": "ma-mediateur",
        "office": "all",
        "category": "all",
        "respondent_type": "all",
        "territory": "all",
        "channel": "all",
        "outcome": "all",
        "count": 12,
        "suppressed": False,
    }
    withheld = by_institution["rows"][1]
    assert (withheld["institution"], withheld["count"], withheld["suppressed"]) == (
        "ma-cndh",
        None,
        True,
    )
    territory = next(table for table in answer["tables"] if table["dimensions"] == ["territory"])
    assert territory["level"] == 2
    assert [row["territory"] for row in territory["rows"]] == ["MA-06", "MA-01", "all"]


async def test_the_cases_are_published_as_received_never_added_up(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    answer = (await client.get("/v1/statistics/cases", params={"month": "2026-10"})).json()

    published_counts = [
        (row.values, row.count, row.suppressed)
        for table in published.statistics.published["2026-10"].counts
        for row in table.rows
    ]
    shown = [
        (
            {dimension: row[dimension] for dimension in table["dimensions"]},
            row["count"],
            row["suppressed"],
        )
        for table in answer["tables"]
        for row in table["rows"]
    ]
    assert answer["month"] == "2026-10"
    assert shown == published_counts


async def test_the_cases_narrow_to_one_institution_or_one_table(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    one_institution = await client.get("/v1/statistics/cases", params={"institution": "ma-cndh"})
    one_table = await client.get(
        "/v1/statistics/cases", params={"table": "closed-by-outcome", "month": "2026-10"}
    )

    tables = one_institution.json()["tables"]
    assert [table["id"] for table in tables] == [
        "received-by-institution",
        "closed-by-institution",
        "received-by-institution-and-category",
    ]
    assert {row["institution"] for table in tables for row in table["rows"]} == {"ma-cndh"}
    assert [table["id"] for table in one_table.json()["tables"]] == ["closed-by-outcome"]
    assert [row["outcome"] for row in one_table.json()["tables"][0]["rows"]] == [
        "upheld",
        "none",
        "all",
    ]


async def test_timings_and_promises_of_a_month(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    timings = (await client.get("/v1/statistics/timings", params={"month": "2026-11"})).json()
    promises = (
        await client.get("/v1/statistics/promises", params={"institution": "ma-mediateur"})
    ).json()

    assert timings["month"] == "2026-11"
    assert timings["rows"] == [
        {
            "institution": "ma-mediateur",
            "step": "acknowledge",
            "cases_measured": 12,
            "median_days": 4.5,
            "p90_days": 9.0,
            "suppressed": False,
        },
        {
            "institution": "ma-cndh",
            "step": "acknowledge",
            "cases_measured": None,
            "median_days": None,
            "p90_days": None,
            "suppressed": True,
        },
    ]
    assert promises["rows"] == [
        {
            "institution": "ma-mediateur",
            "standard": "acknowledge",
            "promises_due": 10,
            "kept_share": 0.8,
            "suppressed": False,
        }
    ]
    assert promises["files"]["json"] == f"{BASE}/downloads/2026-11/promises.json"


async def test_the_series_takes_each_months_totals_by_institution_as_published(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    response = await client.get("/v1/statistics/months")
    mediateur = await client.get("/v1/statistics/months", params={"institution": "ma-mediateur"})

    assert response.status_code == 200
    series = response.json()
    assert series["months"] == ["2026-10", "2026-11"]
    assert {(row["month"], row["institution"], row["measure"]) for row in series["rows"]} == {
        (month, institution, measure)
        for month in ("2026-10", "2026-11")
        for institution, measure in (
            ("ma-mediateur", "received"),
            ("ma-cndh", "received"),
            ("none", "received"),
            ("all", "received"),
            ("ma-mediateur", "closed"),
            ("ma-cndh", "closed"),
            ("all", "closed"),
        )
    }
    assert [
        (row["month"], row["measure"], row["count"], row["suppressed"])
        for row in mediateur.json()["rows"]
    ] == [
        ("2026-10", "received", 8, False),
        ("2026-10", "closed", 7, False),
        ("2026-11", "received", 12, False),
        ("2026-11", "closed", 7, False),
    ]
    withheld = [row for row in series["rows"] if row["institution"] == "none"]
    assert {(row["count"], row["suppressed"]) for row in withheld} == {(None, True)}


# --- Problems ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/v1/statistics/cases?month=2026-13",
        "/v1/statistics/timings?month=November",
        "/v1/statistics/promises?month=2026-1",
        "/v1/statistics/cases?institution=NOT_AN_ID",
        "/v1/statistics/downloads/2026-11-01/cases.csv",
        "/v1/statistics/downloads/2026-11/people.csv",
    ],
)
async def test_a_malformed_request_is_a_problem_naming_the_field(
    client: httpx.AsyncClient, published: FakeServices, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]
    assert published.statistics.calls == []


@pytest.mark.parametrize(
    "path",
    [
        "/v1/statistics/cases?month=2025-01",
        "/v1/statistics/timings?month=2025-01",
        "/v1/statistics/promises?month=2025-01",
        "/v1/statistics/downloads/2025-01/cases.csv",
        "/v1/statistics/downloads/2025-01/timings.json",
        "/v1/statistics/downloads/2025-01.json",
    ],
)
async def test_a_month_without_statistics_is_not_found(
    client: httpx.AsyncClient, published: FakeServices, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/not-found"
    assert "2025-01" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        *PARAMETERLESS[:6],
        "/v1/statistics/catalogue.jsonld",
        "/v1/statistics/downloads/2026-11.json",
    ],
)
async def test_case_tracking_down_is_a_503(
    client: httpx.AsyncClient, published: FakeServices, path: str
) -> None:
    published.down.add("case-tracking")

    response = await client.get(path)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


async def test_routing_down_leaves_the_dictionary_unavailable(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.down.add("routing")

    response = await client.get("/v1/statistics/dictionary")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


# --- The running month ------------------------------------------------------------------------


async def test_the_running_month_gives_the_networks_count_in_steps_of_five(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    published.statistics.running_month = RunningMonth(
        month="2026-12", complaints_received=35, suppressed=False
    )

    response = await client.get("/v1/statistics/running-month")

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "public, max-age=10"
    answer = response.json()
    assert (answer["month"], answer["complaints_received"], answer["suppressed"]) == (
        "2026-12",
        35,
        False,
    )
    assert "multiple of 5" in answer["rounding"]
    assert {call.caller.kind for call in published.statistics.calls} == {"public"}


async def test_the_running_month_withholds_a_count_under_five(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/statistics/running-month")

    assert response.status_code == 200, response.text
    assert (response.json()["complaints_received"], response.json()["suppressed"]) == (None, True)


# --- A fresh platform -------------------------------------------------------------------------


@pytest.mark.parametrize("path", PARAMETERLESS)
async def test_a_platform_with_nothing_yet_answers_every_parameterless_read(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(("application/json", "application/ld"))
    assert isinstance(response.json(), dict)


async def test_a_platform_with_nothing_yet_publishes_empty_well_formed_documents(
    client: httpx.AsyncClient,
) -> None:
    index = (await client.get("/v1/statistics")).json()
    cases = (await client.get("/v1/statistics/cases")).json()
    timings = (await client.get("/v1/statistics/timings")).json()
    series = (await client.get("/v1/statistics/months")).json()

    assert (index["months"], index["latest"], index["downloads"]) == ([], None, [])
    assert cases == {
        "month": None,
        "threshold": 5,
        "files": {"csv": None, "json": None, "dictionary": f"{BASE}/dictionary"},
        "tables": [],
    }
    assert (timings["month"], timings["rows"]) == (None, [])
    assert series == {"months": [], "rows": []}


@pytest.mark.parametrize("fresh", [True, False])
async def test_no_parameterless_read_shows_a_count_from_one_to_four(
    client: httpx.AsyncClient, services: FakeServices, fresh: bool
) -> None:
    if not fresh:
        services.statistics.published = {"2026-11": month_of("2026-11")}

    documents = [(await client.get(path)).json() for path in PARAMETERLESS]

    assert [found for document in documents for found in small_counts(document)] == []


# --- Downloads --------------------------------------------------------------------------------


async def test_the_cases_download_is_csv_with_one_header_and_the_withheld_empty(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    response = await client.get("/v1/statistics/downloads/2026-11/cases.csv")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8; header=present"
    assert response.headers["content-disposition"] == (
        'attachment; filename="nowrongdoor-statistics-2026-11-cases.csv"'
    )
    assert response.headers["cache-control"] == "public, max-age=60"
    text = response.content.decode("utf-8")
    assert text.startswith(
        "month,table,measure,level,institution,office,category,respondent_type,territory,"
        "channel,outcome,count,suppressed\r\n"
    )
    rows = read_csv(response)
    assert len(rows) == sum(len(table.rows) for table in month_of("2026-11").counts)
    assert rows[0] == {
        "month": "2026-11",
        "table": "received-by-institution",
        "measure": "received",
        "level": "",
        "institution": "ma-mediateur",
        "office": "all",
        "category": "all",
        "respondent_type": "all",
        "territory": "all",
        "channel": "all",
        "outcome": "all",
        "count": "12",
        "suppressed": "false",
    }
    assert (rows[1]["institution"], rows[1]["count"], rows[1]["suppressed"]) == (
        "ma-cndh",
        "",
        "true",
    )
    assert {row["level"] for row in rows if row["table"] == "received-by-territory-2"} == {"2"}
    assert {row["month"] for row in rows} == {"2026-11"}


async def test_the_timings_and_promises_downloads_keep_the_same_rows(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    timings = read_csv(await client.get("/v1/statistics/downloads/2026-10/timings.csv"))
    promises = read_csv(await client.get("/v1/statistics/downloads/2026-10/promises.csv"))

    assert timings == [
        {
            "month": "2026-10",
            "institution": "ma-mediateur",
            "step": "acknowledge",
            "cases_measured": "12",
            "median_days": "4.5",
            "p90_days": "9.0",
            "suppressed": "false",
        },
        {
            "month": "2026-10",
            "institution": "ma-cndh",
            "step": "acknowledge",
            "cases_measured": "",
            "median_days": "",
            "p90_days": "",
            "suppressed": "true",
        },
    ]
    assert [row["kept_share"] for row in promises] == ["0.8", ""]


async def test_a_json_download_has_the_csvs_rows_typed(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    as_csv = read_csv(await client.get("/v1/statistics/downloads/2026-11/cases.csv"))
    response = await client.get("/v1/statistics/downloads/2026-11/cases.json")

    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="nowrongdoor-statistics-2026-11-cases.json"'
    )
    document = response.json()
    assert (document["month"], document["dataset"], document["threshold"]) == (
        "2026-11",
        "cases",
        5,
    )
    assert document["licence"]["identifier"] == "etalab-2.0"
    assert document["dictionary"] == f"{BASE}/dictionary"
    assert document["columns"] == list(as_csv[0])
    assert len(document["rows"]) == len(as_csv)
    assert document["rows"][1]["count"] is None
    assert document["rows"][1]["suppressed"] is True
    assert {
        key: "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in document["rows"][0].items()
    } == as_csv[0]


async def test_a_whole_month_comes_in_one_json_file(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    response = await client.get("/v1/statistics/downloads/2026-10.json")

    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="nowrongdoor-statistics-2026-10.json"'
    )
    document = response.json()
    assert document["month"] == "2026-10"
    assert [dataset["dataset"] for dataset in document["datasets"]] == [
        "cases",
        "timings",
        "promises",
    ]
    for dataset in document["datasets"]:
        alone = (
            await client.get(f"/v1/statistics/downloads/2026-10/{dataset['dataset']}.json")
        ).json()
        assert (dataset["columns"], dataset["rows"]) == (alone["columns"], alone["rows"])


# --- The data dictionary ----------------------------------------------------------------------


async def test_the_dictionary_describes_every_column_of_every_download(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    dictionary = (await client.get("/v1/statistics/dictionary")).json()

    described = {
        dataset["id"]: {column["name"]: column for column in dataset["columns"]}
        for dataset in dictionary["datasets"]
    }
    for dataset in ("cases", "timings", "promises"):
        header = read_csv(await client.get(f"/v1/statistics/downloads/2026-11/{dataset}.csv"))[0]
        assert list(described[dataset]) == list(header)
        for column in described[dataset].values():
            assert column["description"]
            assert column["type"] in ("string", "integer", "number", "boolean")
    series = (await client.get("/v1/statistics/months")).json()["rows"][0]
    assert list(described["months"]) == list(series)
    assert described["cases"]["count"]["unit"] == "cases"
    assert described["timings"]["median_days"]["unit"] == "days"
    assert (dictionary["threshold"], dictionary["granularity"][:5]) == (5, "Month")
    assert "once for each of those institutions" in dictionary["joint_cases"]
    assert "1 to 4" in dictionary["suppression"]


async def test_the_dictionarys_codes_come_from_the_vocabulary_and_the_directory(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    dictionary = (await client.get("/v1/statistics/dictionary")).json()

    columns = {column["name"]: column for column in dictionary["datasets"][0]["columns"]}

    def codes(name: str) -> list[str]:
        return [code["code"] for code in columns[name]["codes"]]

    assert codes("institution") == ["ma-mediateur", "ma-cndh", "none", "all"]
    assert columns["institution"]["codes"][0]["label"] == (
        "Institution of the Mediator of the Kingdom"
    )
    assert codes("category")[:2] == ["maladministration", "corruption"]
    assert codes("category")[-1] == "all"
    assert "open311" in codes("channel")
    assert "court" in codes("respondent_type")
    assert codes("outcome") == [*(outcome.value for outcome in CaseOutcome), "none", "all"]
    assert columns["territory"]["code_list"].startswith("https://www.iso.org/")
    assert [(call.operation, call.caller.kind) for call in services.routing.calls] == [
        ("institutions", "public")
    ]


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/v1/statistics/dictionary.csv", None),
        ("/v1/statistics/dictionary", "text/csv"),
        ("/v1/statistics/dictionary", "application/json;q=0.5, text/csv"),
    ],
)
async def test_the_dictionary_comes_as_csv_too(
    client: httpx.AsyncClient, path: str, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    as_json = (await client.get("/v1/statistics/dictionary")).json()

    response = await client.get(path, headers=headers)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = read_csv(response)
    assert list(rows[0]) == [
        "dataset",
        "column",
        "title",
        "type",
        "unit",
        "nullable",
        "description",
        "codes",
        "code_list",
    ]
    assert [(row["dataset"], row["column"]) for row in rows] == [
        (dataset["id"], column["name"])
        for dataset in as_json["datasets"]
        for column in dataset["columns"]
    ]
    category = next(row for row in rows if row["column"] == "category")
    assert category["codes"].split() == [
        code["code"] for code in as_json["datasets"][0]["columns"][6]["codes"]
    ]


async def test_the_dictionary_is_json_to_a_client_that_prefers_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/v1/statistics/dictionary", headers={"Accept": "application/json, text/csv;q=0.5"}
    )

    assert response.headers["content-type"] == "application/json"
    assert response.headers["vary"] == "Accept"


# --- The DCAT-AP catalogue --------------------------------------------------------------------


async def test_the_catalogue_is_dcat_ap_json_ld_with_absolute_addresses(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    response = await client.get("/v1/statistics/catalogue.jsonld")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    catalogue = response.json()
    assert catalogue["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert catalogue["@context"]["dct"] == "http://purl.org/dc/terms/"
    assert catalogue["@type"] == "dcat:Catalog"
    assert catalogue["@id"] == f"{BASE}/catalogue.jsonld"
    assert {text["@language"] for text in catalogue["dct:title"]} == {"en", "fr", "nl", "de", "ar"}
    assert catalogue["dct:license"] == {
        "@id": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    }
    datasets = catalogue["dcat:dataset"]
    assert [dataset["dct:identifier"] for dataset in datasets] == [
        "nowrongdoor-statistics-cases",
        "nowrongdoor-statistics-timings",
        "nowrongdoor-statistics-promises",
    ]
    cases = datasets[0]
    assert cases["dct:accrualPeriodicity"] == {
        "@id": "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
    }
    assert cases["dct:temporal"]["dcat:startDate"] == {
        "@value": "2026-10",
        "@type": "xsd:gYearMonth",
    }
    assert cases["dct:conformsTo"] == {"@id": f"{BASE}/dictionary"}
    assert cases["dct:publisher"] == {"@id": f"{BASE}/catalogue.jsonld#publisher"}
    assert {theme["@id"].rsplit("/", 1)[1] for theme in cases["dcat:theme"]} >= {"GOVE"}
    downloads = {
        (
            distribution["dcat:downloadURL"]["@id"],
            distribution["dcat:mediaType"]["@id"].split("media-types/")[1],
        )
        for distribution in cases["dcat:distribution"]
        if "dcat:downloadURL" in distribution
    }
    assert downloads == {
        (f"{BASE}/downloads/{month}/cases.{format}", media_type)
        for month in ("2026-10", "2026-11")
        for format, media_type in (("csv", "text/csv"), ("json", "application/json"))
    }
    assert all(
        distribution["dcat:accessURL"]["@id"].startswith(BASE)
        for distribution in cases["dcat:distribution"]
    )


# rdflib's JSON-LD parser still builds the ConjunctiveGraph it deprecates.
@pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")
async def test_the_catalogue_reads_as_rdf_with_the_dcat_terms(
    client: httpx.AsyncClient, published: FakeServices
) -> None:
    document = (await client.get("/v1/statistics/catalogue.jsonld")).text

    graph = rdflib.Graph().parse(data=document, format="json-ld")

    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    dct = rdflib.namespace.DCTERMS
    kind = rdflib.RDF.type
    [catalogue] = graph.subjects(kind, dcat.Catalog)
    datasets = set(graph.objects(catalogue, dcat.dataset))
    assert datasets == set(graph.subjects(kind, dcat.Dataset))
    assert len(datasets) == 3
    for dataset in datasets:
        titles = {
            title.language
            for title in graph.objects(dataset, dct.title)
            if isinstance(title, rdflib.Literal)
        }
        assert titles == {"en", "fr", "nl", "de", "ar"}
        assert (dataset, dct.publisher, None) in graph
        assert (dataset, dcat.theme, None) in graph
        distributions = list(graph.objects(dataset, dcat.distribution))
        assert len(distributions) == 5
        for distribution in distributions:
            assert (distribution, kind, dcat.Distribution) in graph
            assert (distribution, dcat.accessURL, None) in graph
            assert (distribution, dct.license, None) in graph
    media_types = {str(media) for media in graph.objects(None, dcat.mediaType)}
    assert media_types == {
        "http://www.iana.org/assignments/media-types/text/csv",
        "http://www.iana.org/assignments/media-types/application/json",
    }
    [period] = graph.objects(next(iter(datasets)), dct.temporal)
    [end] = graph.objects(period, dcat.endDate)
    assert isinstance(end, rdflib.Literal)
    assert (str(end), end.datatype) == ("2026-11", rdflib.XSD.gYearMonth)
    [service] = graph.subjects(kind, dcat.DataService)
    assert set(graph.objects(service, dcat.servesDataset)) == datasets


# --- The OpenAPI description ------------------------------------------------------------------


async def test_openapi_documents_every_statistics_endpoint_as_public(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()

    paths = {path: item for path, item in document["paths"].items() if "/statistics" in path}
    assert set(paths) == {
        "/v1/statistics",
        "/v1/statistics/cases",
        "/v1/statistics/timings",
        "/v1/statistics/promises",
        "/v1/statistics/months",
        "/v1/statistics/running-month",
        "/v1/statistics/downloads/{month}/{dataset}.csv",
        "/v1/statistics/downloads/{month}/{dataset}.json",
        "/v1/statistics/downloads/{month}.json",
        "/v1/statistics/dictionary",
        "/v1/statistics/dictionary.csv",
        "/v1/statistics/catalogue.jsonld",
    }
    for path, item in paths.items():
        operation = item["get"]
        assert operation["summary"], path
        assert len(operation["description"]) > 80, path
        assert operation["security"] == [{}], path
        assert operation["tags"] == ["statistics"], path
        assert "503" in operation["responses"], path
    assert "404" in paths["/v1/statistics/cases"]["get"]["responses"]
    month = next(
        parameter
        for parameter in paths["/v1/statistics/cases"]["get"]["parameters"]
        if parameter["name"] == "month"
    )
    assert month["schema"]["anyOf"][0]["pattern"].startswith("^[0-9]{4}-")
    csv_answer = paths["/v1/statistics/downloads/{month}/{dataset}.csv"]["get"]["responses"]["200"]
    assert "text/csv" in csv_answer["content"]
    assert "Content-Disposition" in csv_answer["headers"]
    json.dumps(document)
