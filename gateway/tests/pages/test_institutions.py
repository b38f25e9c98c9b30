"""An institution's page: the NGOs it accredits and its criteria, for a person choosing one."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest

from gateway.pages.rendering import translate
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.accreditations import (
    AccreditationApplication,
    AccreditationScope,
    Criterion,
    Grant,
)
from nowrongdoor.contracts.routing import InstitutionView
from nowrongdoor.contracts.vocabulary import Category, Language

from ..fakes import FakeServices
from ..fakes import accreditations as accrediting
from .conftest import heading

DIRECTORY: dict[str, dict[Language, str]] = {
    "fr-hatvp": {
        "en": "High Authority for Transparency in Public Life",
        "fr": "Haute Autorité pour la transparence de la vie publique",
        "ar": "الهيئة العليا للشفافية في الحياة العامة",
        "nl": "Hoge Autoriteit voor de transparantie van het openbare leven",
        "de": "Hohe Behörde für Transparenz im öffentlichen Leben",
    },
    "ma-inpplc": {
        "en": "National Authority for Integrity and the Fight against Corruption",
        "fr": "Instance Nationale de la Probité et de la Lutte contre la Corruption",
        "ar": "الهيئة الوطنية للنزاهة والوقاية من الرشوة ومحاربتها",
        "nl": "Nationale Instantie voor Integriteit en Corruptiebestrijding",
        "de": "Nationale Instanz für Integrität und Korruptionsbekämpfung",
    },
}
HANDLES: dict[str, list[str]] = {
    "fr-hatvp": ["integrity"],
    "ma-inpplc": ["corruption", "integrity"],
}
INPPLC_CRITERIA = [
    Criterion(
        id="protects-reporters",
        text={
            "ar": "تحمي هوية من يبلّغها، ولا تكشفها إلا بموافقته.",
            "fr": "Elle protège l'identité de qui la saisit et ne la révèle qu'avec son accord.",
            "en": "It protects the identity of whoever reports to it.",
        },
    )
]


@pytest.fixture
def services(services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> FakeServices:
    """One directory for both halves of the stand-in routing: the directory's two
    institutions and the two that accredit are all known to each."""
    routing = services.routing
    directory = routing.institution
    monkeypatch.setattr(
        accrediting, "INSTITUTIONS", (*accrediting.INSTITUTIONS, "ma-mediateur", "ma-cndh")
    )

    async def institution(
        caller: Principal, institution_id: str, language: Language
    ) -> InstitutionView:
        if institution_id not in DIRECTORY:
            return await directory(caller, institution_id, language)
        await routing.reached("institution", caller, institution_id)
        return InstitutionView(
            institution_id=institution_id,
            name=DIRECTORY[institution_id][language],
            territory=institution_id[:2].upper(),
            languages=["fr"] if institution_id.startswith("fr") else ["ar", "fr"],
            offices=[],
            categories=HANDLES[institution_id],
        )

    routing.institution = institution  # type: ignore[method-assign]
    return services


async def accredit(
    services: FakeServices,
    institution_id: str,
    ngo_id: str,
    name: str,
    categories: list[Category],
    territories: list[str],
    until: date,
) -> None:
    """The NGO applies and the institution grants it, as both would through the API."""
    routing = services.routing
    ngo = Principal(client_id=f"nwdc_{ngo_id}", kind="ngo", institution_id=ngo_id)
    granting = Principal(
        client_id=f"nwdc_{institution_id}", kind="institution", institution_id=institution_id
    )
    applied = await routing.apply_for_accreditation(
        ngo, AccreditationApplication(institution_id=institution_id, ngo_name=name, answers=[])
    )
    scope = AccreditationScope(categories=categories, territories=territories)
    await routing.decide_accreditation(
        granting, applied.id, "grant", Grant(scope=scope, expires_on=until)
    )


def text_of(html: str) -> str:
    """What a person reads in a part of the page, tags left out, spaces made single."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def heading_levels(html: str) -> list[int]:
    main = html[html.index("<main") : html.index("</main>")]
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", main)]


def section(html: str, heading_id: str) -> str:
    """The page from one `h2` to the next."""
    start = html.index(f'<h2 id="{heading_id}">')
    following = html.find("<h2", start + 1)
    return html[start : following if following != -1 else html.index("</main>")]


async def test_a_person_sees_who_an_institution_accredits_for_what_and_until_when(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    await accredit(
        services,
        "fr-hatvp",
        "fr-sherpa",
        "Sherpa",
        ["integrity", "corruption"],
        ["FR"],
        date(2029, 12, 31),
    )

    response = await browser.get("/fr/institutions/fr-hatvp")

    assert response.status_code == 200
    html = response.text
    assert '<html lang="fr" dir="ltr">' in html
    assert heading(html) == "Haute Autorité pour la transparence de la vie publique"
    assert "Probité des responsables publics" in section(html, "handles")
    ngos = section(html, "ngos")
    assert "<h3><bdi>Sherpa</bdi></h3>" in ngos
    words = text_of(ngos)
    assert "Sujets Probité des responsables publics Corruption" in words
    assert f"{translate('fr', 'Where')} France" in words
    assert '<time datetime="2026-12-03">3 décembre 2026</time>' in ngos
    assert '<time datetime="2029-12-31">31 décembre 2029</time>' in ngos
    criteria = section(html, "criteria")
    assert "<ol" in criteria
    assert "<p>Ses statuts visent la lutte contre la corruption.</p>" in criteria
    assert "Non publié dans votre langue" not in criteria
    for other in ("ar", "fr", "en", "nl", "de"):
        assert f'href="/{other}/institutions/fr-hatvp"' in html
    assert [call.caller.kind for call in services.routing.calls[-3:]] == ["public"] * 3


async def test_in_arabic_the_page_reads_right_to_left_and_names_regions_and_other_languages(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    services.routing.criteria["ma-inpplc"] = INPPLC_CRITERIA
    await accredit(
        services,
        "ma-inpplc",
        "ma-transparency-maroc",
        "Transparency Maroc",
        ["corruption"],
        ["MA", "MA-06"],
        date(2029, 12, 31),
    )

    inpplc = await browser.get("/ar/institutions/ma-inpplc")
    hatvp = await browser.get("/ar/institutions/fr-hatvp")

    html = inpplc.text
    assert '<html lang="ar" dir="rtl">' in html
    assert heading(html) == "الهيئة الوطنية للنزاهة والوقاية من الرشوة ومحاربتها"
    words = text_of(section(html, "ngos"))
    assert "Transparency Maroc" in words
    assert "المواضيع الرشوة" in words
    assert "المغرب" in words, "a country in the reader's language"
    assert "Casablanca-Settat" in words, "a region as routing's guide words it"
    assert "3 ديسمبر 2026" in words and "31 ديسمبر 2029" in words
    assert "<p>تحمي هوية من يبلّغها، ولا تكشفها إلا بموافقته.</p>" in section(html, "criteria")
    fallback = section(hatvp.text, "criteria")
    assert '<p lang="en" dir="ltr">Its statutes aim at fighting corruption.</p>' in fallback
    assert "غير منشور بلغتك: معروض باللغة الإنجليزية." in fallback


async def test_an_institution_that_accredits_none_and_publishes_none_says_so(
    browser: httpx.AsyncClient,
) -> None:
    response = await browser.get("/en/institutions/ma-mediateur")

    html = response.text
    assert response.status_code == 200
    assert heading(html) == "Institution of the Mediator of the Kingdom"
    assert "Maladministration by public services" in section(html, "handles")
    assert "This institution accredits no NGO at the moment." in section(html, "ngos")
    assert "<h3" not in html
    assert "This institution publishes no accreditation criteria at the moment." in section(
        html, "criteria"
    )


@pytest.mark.parametrize("language", ["ar", "fr", "en", "nl", "de"])
async def test_the_page_keeps_the_rules_of_every_page(
    browser: httpx.AsyncClient, services: FakeServices, language: str
) -> None:
    await accredit(
        services, "fr-hatvp", "fr-sherpa", "Sherpa", ["integrity"], ["FR"], date(2029, 12, 31)
    )

    response = await browser.get(f"/{language}/institutions/fr-hatvp")

    html = response.text
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html
    assert heading_levels(html) == [1, 2, 2, 3, 2], "headings in order, one level at a time"
    assert "style=" not in html and "<style" not in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/site.js" defer>']
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert translate(language, "Accredited until") in html


async def test_home_links_each_institution_to_its_page(
    browser: httpx.AsyncClient,
) -> None:
    home = await browser.get("/nl/")

    for institution_id in ("ma-mediateur", "ma-cndh"):
        link = f'href="/nl/institutions/{institution_id}"'
        assert link in home.text
        page = await browser.get(f"/nl/institutions/{institution_id}")
        assert page.status_code == 200 and '<html lang="nl"' in page.text


@pytest.mark.parametrize("institution_id", ["xx-nobody", "Not_An_Id"])
async def test_an_unknown_institution_is_the_page_not_found(
    browser: httpx.AsyncClient, institution_id: str
) -> None:
    response = await browser.get(f"/de/institutions/{institution_id}")

    assert response.status_code == 404
    assert '<html lang="de" dir="ltr">' in response.text
    assert heading(response.text) == "Seite nicht gefunden"


async def test_with_routing_down_the_page_says_the_service_is_not_answering(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    services.down.add("routing")

    response = await browser.get("/fr/institutions/fr-hatvp")

    assert response.status_code == 503
    assert heading(response.text) == translate("fr", "The service is not answering right now")
