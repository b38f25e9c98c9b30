"""The DCAT-AP description of the statistics, as JSON-LD, for open data portals to harvest.

One `dcat:Catalog` holding a `dcat:Dataset` per published dataset, each with a distribution
per month and format plus the API's answer for the latest month, and a `dcat:DataService` for
the API itself. Controlled vocabularies are the EU Publications Office's (themes, frequency,
file types, languages, access rights); media types are IANA's. Periods are written to the
month (`xsd:gYearMonth`), never finer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gateway.api.answers import PUBLIC_BRIEFLY
from gateway.api.statistics.publication import (
    DATASETS,
    LICENCE,
    MEDIA_TYPES,
    PUBLISHER,
    Addresses,
    Dataset,
    Format,
)
from gateway.api.statistics.reading import UNAVAILABLE, published_months
from gateway.edge.authentication import ANONYMOUS_ALLOWED
from gateway.upstreams import UpstreamsDep

router = APIRouter()

JSON_LD = "application/ld+json"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
AUTHORITY = "http://publications.europa.eu/resource/authority"
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types"
FILE_TYPES: dict[Format, str] = {"csv": "CSV", "json": "JSON"}
THEMES = ("GOVE", "JUST", "SOCI")
"""Government and public sector; justice, legal system and public safety; population and
society."""
LANGUAGES = {"en": "ENG", "fr": "FRA", "nl": "NLD", "de": "DEU", "ar": "ARA"}

Texts = dict[str, str]
"""One text by language."""

CATALOGUE_TITLE: Texts = {
    "en": "No Wrong Door: the network's statistics",
    "fr": "No Wrong Door : les statistiques du réseau",
    "nl": "No Wrong Door: de statistieken van het netwerk",
    "de": "No Wrong Door: die Statistiken des Netzwerks",
    "ar": "No Wrong Door: إحصاءات الشبكة",
}
CATALOGUE_DESCRIPTION: Texts = {
    "en": "Anonymised monthly statistics on the complaints handled by the network's "
    "ombudsmen, anti-corruption and human-rights institutions. Small counts are withheld so "
    "that no one can be recognised.",
    "fr": "Statistiques mensuelles anonymisées sur les plaintes traitées par les médiateurs, "
    "les instances anticorruption et les institutions des droits humains du réseau. Les "
    "petits effectifs sont masqués afin que personne ne puisse être reconnu.",
    "nl": "Geanonimiseerde maandelijkse statistieken over de klachten die de ombudsdiensten, "
    "anticorruptie- en mensenrechteninstellingen van het netwerk behandelen. Kleine aantallen "
    "worden niet gepubliceerd, zodat niemand herkend kan worden.",
    "de": "Anonymisierte monatliche Statistiken über die Beschwerden, die die Ombudsstellen, "
    "Antikorruptions- und Menschenrechtsinstitutionen des Netzwerks bearbeiten. Kleine "
    "Fallzahlen werden zurückgehalten, damit niemand erkannt werden kann.",
    "ar": "إحصاءات شهرية مجهولة الهوية عن الشكايات التي تعالجها مؤسسات الوساطة ومكافحة "
    "الفساد وحقوق الإنسان في الشبكة. تُحجب الأعداد الصغيرة حتى لا يمكن التعرف على أي شخص.",
}
DATASET_TITLES: dict[Dataset, Texts] = {
    "cases": {
        "en": "Complaints received and closed, by month",
        "fr": "Plaintes reçues et clôturées, par mois",
        "nl": "Ontvangen en afgesloten klachten, per maand",
        "de": "Eingegangene und abgeschlossene Beschwerden, nach Monat",
        "ar": "الشكايات الواردة والمغلقة، حسب الشهر",
    },
    "timings": {
        "en": "Time taken to handle complaints, by month",
        "fr": "Délais de traitement des plaintes, par mois",
        "nl": "Behandeltermijnen van klachten, per maand",
        "de": "Bearbeitungsdauer von Beschwerden, nach Monat",
        "ar": "آجال معالجة الشكايات، حسب الشهر",
    },
    "promises": {
        "en": "Service standards kept, by month",
        "fr": "Engagements de service tenus, par mois",
        "nl": "Nageleefde servicenormen, per maand",
        "de": "Eingehaltene Servicestandards, nach Monat",
        "ar": "معايير الخدمة المحترمة، حسب الشهر",
    },
}
DATASET_DESCRIPTIONS: dict[Dataset, Texts] = {
    "cases": {
        "en": "Cases received and closed each month by institution, office, category, "
        "respondent type, territory, channel and outcome. A joint case counts once per "
        "institution; counts under the threshold are withheld.",
        "fr": "Dossiers reçus et clôturés chaque mois par institution, bureau, catégorie, type "
        "de mis en cause, territoire, canal et issue. Un dossier conjoint compte une fois par "
        "institution ; les effectifs sous le seuil sont masqués.",
        "nl": "Dossiers die elke maand zijn ontvangen en afgesloten, per instelling, kantoor, "
        "categorie, soort betrokken instantie, grondgebied, kanaal en resultaat. Een "
        "gezamenlijk dossier telt één keer per instelling; aantallen onder de drempel worden "
        "niet gepubliceerd.",
        "de": "Jeden Monat eingegangene und abgeschlossene Fälle nach Institution, "
        "Dienststelle, Kategorie, Art der betroffenen Stelle, Gebiet, Eingangsweg und "
        "Ergebnis. Ein gemeinsamer Fall zählt einmal je Institution; Zahlen unter dem "
        "Schwellenwert werden zurückgehalten.",
        "ar": "الملفات الواردة والمغلقة كل شهر حسب المؤسسة والمكتب والفئة ونوع الجهة المشتكى "
        "منها والإقليم والقناة والنتيجة. يُحتسب الملف المشترك مرة واحدة لكل مؤسسة، وتُحجب "
        "الأعداد التي تقل عن العتبة.",
    },
    "timings": {
        "en": "Median and 90th-percentile days from receipt to acknowledgement, to the "
        "admissibility decision and to closure, per institution and for the network.",
        "fr": "Médiane et 90e centile des jours entre la réception et l'accusé de réception, "
        "la décision de recevabilité et la clôture, par institution et pour le réseau.",
        "nl": "Mediaan en 90e percentiel van het aantal dagen tussen ontvangst en "
        "ontvangstbevestiging, beslissing over de ontvankelijkheid en afsluiting, per "
        "instelling en voor het netwerk.",
        "de": "Median und 90. Perzentil der Tage vom Eingang bis zur Eingangsbestätigung, zur "
        "Entscheidung über die Zulässigkeit und zum Abschluss, je Institution und für das "
        "Netzwerk.",
        "ar": "الوسيط والمئين التسعون لعدد الأيام من الاستلام إلى الإشعار بالتوصل وإلى قرار "
        "القبول وإلى الإغلاق، لكل مؤسسة وللشبكة.",
    },
    "promises": {
        "en": "For each institution and each service standard it declares, the promised dates "
        "due in the month and the share kept.",
        "fr": "Pour chaque institution et chaque engagement de service qu'elle déclare, les "
        "échéances promises tombant dans le mois et la part respectée.",
        "nl": "Per instelling en per servicenorm die zij hanteert, de beloofde termijnen die in "
        "de maand vervielen en het aandeel dat werd gehaald.",
        "de": "Für jede Institution und jeden von ihr erklärten Servicestandard die im Monat "
        "fälligen zugesagten Fristen und der eingehaltene Anteil.",
        "ar": "لكل مؤسسة ولكل معيار خدمة تعلنه، الآجال الموعود بها التي حلّت خلال الشهر ونسبة "
        "ما تم احترامه.",
    },
}
KEYWORDS: Texts = {
    "en": "complaints, ombudsman, anti-corruption, human rights, open data",
    "fr": "plaintes, médiateur, lutte contre la corruption, droits humains, données ouvertes",
}

_EXAMPLE = {
    "@context": CONTEXT,
    "@id": "https://nowrongdoor.example/v1/statistics/catalogue.jsonld",
    "@type": "dcat:Catalog",
    "dct:title": [{"@value": CATALOGUE_TITLE["en"], "@language": "en"}],
    "dcat:dataset": [
        {
            "@id": "https://nowrongdoor.example/v1/statistics/catalogue.jsonld#cases",
            "@type": "dcat:Dataset",
            "dct:accrualPeriodicity": {"@id": f"{AUTHORITY}/frequency/MONTHLY"},
            "dcat:distribution": [
                {
                    "@type": "dcat:Distribution",
                    "dcat:downloadURL": {
                        "@id": "https://nowrongdoor.example/v1/statistics/downloads/"
                        "2026-11/cases.csv"
                    },
                    "dcat:mediaType": {"@id": f"{IANA_MEDIA_TYPES}/text/csv"},
                }
            ],
        }
    ],
}


def _texts(texts: Texts) -> list[dict[str, str]]:
    return [{"@value": text, "@language": language} for language, text in texts.items()]


def _month(month: str) -> dict[str, str]:
    return {"@value": month, "@type": "xsd:gYearMonth"}


def _ref(address: str) -> dict[str, str]:
    return {"@id": address}


def catalogue(addresses: Addresses, months: list[str]) -> dict[str, Any]:
    """The whole DCAT-AP document, its addresses absolute under `addresses`."""
    own = addresses.catalogue
    publisher_id = f"{own}#publisher"
    publisher = {
        "@id": publisher_id,
        "@type": "foaf:Agent",
        "foaf:name": PUBLISHER,
        "foaf:homepage": _ref(addresses.base + "/"),
    }
    licence = {
        "@id": LICENCE.url,
        "@type": "dct:LicenseDocument",
        "dct:identifier": LICENCE.identifier,
        "dct:title": LICENCE.name,
    }
    common = {
        "dct:publisher": _ref(publisher_id),
        "dct:license": _ref(LICENCE.url),
        "dct:accessRights": _ref(f"{AUTHORITY}/access-right/PUBLIC"),
    }
    datasets = [
        {
            "@id": f"{own}#{dataset}",
            "@type": "dcat:Dataset",
            "dct:identifier": f"nowrongdoor-statistics-{dataset}",
            "dct:title": _texts(DATASET_TITLES[dataset]),
            "dct:description": _texts(DATASET_DESCRIPTIONS[dataset]),
            **common,
            "dcat:contactPoint": {
                "@type": "vcard:Organization",
                "vcard:fn": PUBLISHER,
                "vcard:hasURL": _ref(addresses.index),
            },
            "dcat:theme": [_ref(f"{AUTHORITY}/data-theme/{theme}") for theme in THEMES],
            "dcat:keyword": _texts(KEYWORDS),
            "dct:language": [_ref(f"{AUTHORITY}/language/{code}") for code in LANGUAGES.values()],
            "dct:accrualPeriodicity": _ref(f"{AUTHORITY}/frequency/MONTHLY"),
            "dct:conformsTo": _ref(addresses.dictionary),
            "dcat:landingPage": _ref(addresses.index),
            **(
                {
                    "dct:temporal": {
                        "@type": "dct:PeriodOfTime",
                        "dcat:startDate": _month(months[0]),
                        "dcat:endDate": _month(months[-1]),
                    },
                    "dct:modified": _month(months[-1]),
                }
                if months
                else {}
            ),
            "dcat:distribution": [
                _distribution(
                    own,
                    dataset,
                    "latest",
                    "json",
                    access=addresses.api(dataset),
                    download=None,
                    conforms_to=addresses.dictionary,
                    licence=LICENCE.url,
                ),
                *(
                    _distribution(
                        own,
                        dataset,
                        month,
                        format,
                        access=addresses.api(dataset, month),
                        download=addresses.download(month, dataset, format),
                        conforms_to=addresses.dictionary,
                        licence=LICENCE.url,
                    )
                    for month in reversed(months)
                    for format in MEDIA_TYPES
                ),
            ],
        }
        for dataset in DATASETS
    ]
    return {
        "@context": CONTEXT,
        "@id": own,
        "@type": "dcat:Catalog",
        "dct:title": _texts(CATALOGUE_TITLE),
        "dct:description": _texts(CATALOGUE_DESCRIPTION),
        **common,
        "foaf:homepage": _ref(addresses.index),
        "dct:language": [_ref(f"{AUTHORITY}/language/{code}") for code in LANGUAGES.values()],
        "dcat:themeTaxonomy": _ref(f"{AUTHORITY}/data-theme"),
        "dcat:dataset": datasets,
        "dcat:service": {
            "@id": f"{own}#api",
            "@type": "dcat:DataService",
            "dct:title": _texts({"en": "No Wrong Door statistics API"}),
            **common,
            "dcat:endpointURL": _ref(addresses.index),
            "dcat:endpointDescription": _ref(addresses.openapi),
            "dcat:servesDataset": [_ref(f"{own}#{dataset}") for dataset in DATASETS],
        },
        "@included": [publisher, licence],
    }


def _distribution(
    own: str,
    dataset: Dataset,
    month: str,
    format: Format,
    *,
    access: str,
    download: str | None,
    conforms_to: str,
    licence: str,
) -> dict[str, Any]:
    title = DATASET_TITLES[dataset]["en"]
    which = "the latest month, through the API" if download is None else month
    distribution: dict[str, Any] = {
        "@id": f"{own}#{dataset}-{month}-{format}",
        "@type": "dcat:Distribution",
        "dct:title": _texts({"en": f"{title}: {which} ({format.upper()})"}),
        "dcat:accessURL": _ref(access),
        "dcat:mediaType": _ref(f"{IANA_MEDIA_TYPES}/{MEDIA_TYPES[format]}"),
        "dct:format": _ref(f"{AUTHORITY}/file-type/{FILE_TYPES[format]}"),
        "dct:license": _ref(licence),
        "dct:conformsTo": _ref(conforms_to),
    }
    if download is not None:
        distribution["dcat:downloadURL"] = _ref(download)
    return distribution


@router.get(
    "/catalogue.jsonld",
    summary="The DCAT-AP description, for open data portals",
    description=(
        "The statistics described in DCAT-AP as JSON-LD, so national and European open data "
        "portals can harvest them: a `dcat:Catalog` with a `dcat:Dataset` for each dataset "
        "(titles and descriptions in English, French, Dutch, German and Arabic, publisher, "
        "licence, themes, monthly accrual, the period covered), a `dcat:Distribution` for "
        "each month as CSV and JSON with its download address, and the API as a "
        "`dcat:DataService`. Each conforms to the data dictionary."
    ),
    response_class=JSONResponse,
    responses={
        200: {
            "description": "The catalogue",
            "content": {JSON_LD: {"schema": {"type": "object"}, "example": _EXAMPLE}},
        },
        503: UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_catalogue(request: Request, upstreams: UpstreamsDep) -> JSONResponse:
    months = await published_months(upstreams)
    return JSONResponse(
        catalogue(Addresses.of(request), months), media_type=JSON_LD, headers=PUBLIC_BRIEFLY
    )
