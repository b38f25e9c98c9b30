"""The citizens' guide: a few plain questions whose answers are the facts the engine decides on.

The guide answers with the same `decide()` over the same registry a submission meets, so what
the guide says is what would happen. It keeps nothing: the answers live only in the request.
"""

from __future__ import annotations

from collections.abc import Mapping

from nowrongdoor.contracts.events import ComplaintFacts
from nowrongdoor.contracts.routing import (
    Guide,
    GuideAdvice,
    GuideAnswer,
    GuideAnswers,
    GuideInstitution,
    GuideOption,
    GuideQuestion,
    InstitutionSummary,
)
from nowrongdoor.contracts.vocabulary import Language
from routing.domain.decide import decide
from routing.domain.registry import Registry

ELSEWHERE = "ZZ"
"""The ISO 3166 user-assigned code for "another country": always outside the network."""

Texts = Mapping[Language, str]

QUESTIONS: Mapping[str, Texts] = {
    "category": {
        "en": "What is your complaint about?",
        "fr": "Sur quoi porte votre plainte ?",
        "ar": "ما موضوع شكايتك؟",
        "nl": "Waarover gaat uw klacht?",
        "de": "Worum geht es in Ihrer Beschwerde?",
    },
    "respondent_type": {
        "en": "Who is your complaint about?",
        "fr": "Contre qui porte votre plainte ?",
        "ar": "ضد من توجّه شكايتك؟",
        "nl": "Over wie gaat uw klacht?",
        "de": "Über wen beschweren Sie sich?",
    },
    "country": {
        "en": "In which country is the body you complain about?",
        "fr": "Dans quel pays se trouve l'organisme mis en cause ?",
        "ar": "في أي بلد توجد الجهة المشتكى بها؟",
        "nl": "In welk land bevindt zich de instantie waarover u klaagt?",
        "de": "In welchem Land ist die Stelle, über die Sie sich beschweren?",
    },
    "region": {
        "en": "In which region or province?",
        "fr": "Dans quelle région ou province ?",
        "ar": "في أي جهة أو إقليم؟",
        "nl": "In welk gewest of welke provincie?",
        "de": "In welcher Region oder Provinz?",
    },
    "complainant_role": {
        "en": "Who are you?",
        "fr": "Qui êtes-vous ?",
        "ar": "من أنت؟",
        "nl": "Wie bent u?",
        "de": "Wer sind Sie?",
    },
    "administration_contacted": {
        "en": "Have you already contacted the body you complain about?",
        "fr": "Avez-vous déjà contacté l'organisme mis en cause ?",
        "ar": "هل سبق أن اتصلت بالجهة المشتكى بها؟",
        "nl": "Hebt u de instantie waarover u klaagt al gecontacteerd?",
        "de": "Haben Sie sich schon an die Stelle gewandt, über die Sie sich beschweren?",
    },
    "court_case_pending": {
        "en": "Is a court already dealing with this matter?",
        "fr": "Un tribunal est-il déjà saisi de cette affaire ?",
        "ar": "هل القضية معروضة حالياً على محكمة؟",
        "nl": "Behandelt een rechtbank deze zaak al?",
        "de": "Befasst sich schon ein Gericht mit dieser Sache?",
    },
}

HELP: Mapping[str, Texts] = {
    "administration_contacted": {
        "en": "Most ombudsmen act only once the body itself has had a chance to answer.",
        "fr": "La plupart des médiateurs n'agissent qu'après que l'organisme a pu répondre.",
        "ar": "لا يتدخل أغلب الوسطاء إلا بعد أن تُتاح للجهة المعنية فرصة الرد.",
        "nl": "De meeste ombudsdiensten komen pas tussen als de instantie zelf kon antwoorden.",
        "de": "Die meisten Ombudsstellen handeln erst, wenn die Stelle selbst antworten konnte.",
    },
    "region": {
        "en": "Choose the whole country if you do not know.",
        "fr": "Choisissez le pays entier si vous ne savez pas.",
        "ar": "اختر البلد كله إن كنت لا تعرف.",
        "nl": "Kies het hele land als u het niet weet.",
        "de": "Wählen Sie das ganze Land, wenn Sie es nicht wissen.",
    },
}

CATEGORIES: Mapping[str, Texts] = {
    "maladministration": {
        "en": "A public service treated you unfairly, or did not answer",
        "fr": "Un service public vous a traité injustement, ou ne vous a pas répondu",
        "ar": "مرفق عمومي عاملك بشكل غير منصف أو لم يُجبك",
        "nl": "Een overheidsdienst heeft u onrechtvaardig behandeld, of heeft niet geantwoord",
        "de": "Eine Behörde hat Sie ungerecht behandelt oder Ihnen nicht geantwortet",
    },
    "corruption": {
        "en": "Corruption: a bribe was asked for or paid",
        "fr": "Corruption : un pot-de-vin a été demandé ou versé",
        "ar": "رشوة: طُلب مال أو دُفع مقابل خدمة",
        "nl": "Corruptie: er werd smeergeld gevraagd of betaald",
        "de": "Korruption: Bestechungsgeld wurde verlangt oder gezahlt",
    },
    "integrity": {
        "en": "A public official broke the rules of integrity (conflict of interest, declarations)",
        "fr": "Un responsable public a manqué à la probité (conflit d'intérêts, déclarations)",
        "ar": "مسؤول عمومي أخلّ بقواعد النزاهة (تضارب المصالح، التصريحات)",
        "nl": (
            "Een ambtenaar of verkozene overtrad de integriteitsregels "
            "(belangenconflict, aangiften)"
        ),
        "de": (
            "Eine Amtsperson hat gegen die Integritätsregeln verstoßen "
            "(Interessenkonflikt, Erklärungspflichten)"
        ),
    },
    "human-rights": {
        "en": "Your human rights were violated",
        "fr": "Vos droits fondamentaux n'ont pas été respectés",
        "ar": "انتُهكت حقوقك الإنسانية",
        "nl": "Uw mensenrechten werden geschonden",
        "de": "Ihre Menschenrechte wurden verletzt",
    },
    "discrimination": {
        "en": "You were discriminated against",
        "fr": "Vous avez subi une discrimination",
        "ar": "تعرّضت للتمييز",
        "nl": "U werd gediscrimineerd",
        "de": "Sie wurden diskriminiert",
    },
    "data-protection": {
        "en": "Your personal data was misused",
        "fr": "Vos données personnelles ont été mal utilisées",
        "ar": "أسيء استعمال معطياتك الشخصية",
        "nl": "Uw persoonsgegevens werden misbruikt",
        "de": "Ihre persönlichen Daten wurden missbraucht",
    },
    "children-rights": {
        "en": "A child's rights were not respected",
        "fr": "Les droits d'un enfant n'ont pas été respectés",
        "ar": "لم تُحترم حقوق طفل",
        "nl": "De rechten van een kind werden niet gerespecteerd",
        "de": "Die Rechte eines Kindes wurden nicht beachtet",
    },
    "other": {
        "en": "Something else",
        "fr": "Autre chose",
        "ar": "شيء آخر",
        "nl": "Iets anders",
        "de": "Etwas anderes",
    },
}

RESPONDENT_TYPES: Mapping[str, Texts] = {
    "national-administration": {
        "en": "A ministry or a national administration",
        "fr": "Un ministère ou une administration nationale",
        "ar": "وزارة أو إدارة وطنية",
        "nl": "Een ministerie of een nationale overheidsdienst",
        "de": "Ein Ministerium oder eine nationale Behörde",
    },
    "regional-administration": {
        "en": "A regional or community administration",
        "fr": "Une administration régionale ou communautaire",
        "ar": "إدارة جهوية",
        "nl": "Een overheidsdienst van een gewest of een gemeenschap",
        "de": "Eine Behörde einer Region oder einer Gemeinschaft",
    },
    "local-authority": {
        "en": "A municipality or another local authority",
        "fr": "Une commune ou une autre collectivité locale",
        "ar": "جماعة أو سلطة محلية أخرى",
        "nl": "Een gemeente of een ander lokaal bestuur",
        "de": "Eine Gemeinde oder eine andere örtliche Behörde",
    },
    "public-enterprise": {
        "en": "A public enterprise or public body (water, power, transport…)",
        "fr": "Une entreprise ou un organisme public (eau, électricité, transport…)",
        "ar": "مقاولة أو مؤسسة عمومية (الماء، الكهرباء، النقل…)",
        "nl": "Een overheidsbedrijf of openbare instelling (water, elektriciteit, vervoer…)",
        "de": (
            "Ein öffentliches Unternehmen oder eine öffentliche Einrichtung "
            "(Wasser, Strom, Verkehr…)"
        ),
    },
    "private-company": {
        "en": "A private company",
        "fr": "Une entreprise privée",
        "ar": "شركة خاصة",
        "nl": "Een privébedrijf",
        "de": "Ein privates Unternehmen",
    },
    "public-official": {
        "en": "A public official, as a person",
        "fr": "Un agent public ou un élu, en tant que personne",
        "ar": "موظف عمومي أو منتخب، بصفته الشخصية",
        "nl": "Een ambtenaar of verkozene, als persoon",
        "de": "Eine Person im öffentlichen Dienst oder in einem gewählten Amt, persönlich",
    },
    "court": {
        "en": "A court, or a judge's decision",
        "fr": "Un tribunal, ou la décision d'un juge",
        "ar": "محكمة، أو حكم قاضٍ",
        "nl": "Een rechtbank, of de beslissing van een rechter",
        "de": "Ein Gericht oder eine richterliche Entscheidung",
    },
}

COMPLAINANT_ROLES: Mapping[str, Texts] = {
    "citizen": {
        "en": "A member of the public",
        "fr": "Un particulier",
        "ar": "مواطن أو مواطنة",
        "nl": "Een particulier",
        "de": "Eine Privatperson",
    },
    "public-official": {
        "en": "A public official reporting a breach where I work",
        "fr": "Un agent public qui signale un manquement dans son service",
        "ar": "موظف عمومي يبلّغ عن إخلال في مكان عمله",
        "nl": "Een ambtenaar die een misstand op de eigen werkplek meldt",
        "de": (
            "Eine Person im öffentlichen Dienst, die einen Missstand an ihrem Arbeitsplatz meldet"
        ),
    },
    "ngo": {
        "en": "An association acting for someone",
        "fr": "Une association qui agit pour quelqu'un",
        "ar": "جمعية تتصرف نيابة عن شخص",
        "nl": "Een vereniging die namens iemand optreedt",
        "de": "Ein Verein, der für eine andere Person handelt",
    },
}

YES_NO: Mapping[bool, Texts] = {
    True: {"en": "Yes", "fr": "Oui", "ar": "نعم", "nl": "Ja", "de": "Ja"},
    False: {"en": "No", "fr": "Non", "ar": "لا", "nl": "Nee", "de": "Nein"},
}

ELSEWHERE_LABEL: Texts = {
    "en": "Another country",
    "fr": "Un autre pays",
    "ar": "بلد آخر",
    "nl": "Een ander land",
    "de": "Ein anderes Land",
}
WHOLE_COUNTRY: Texts = {
    "en": "The whole country, or I do not know",
    "fr": "Tout le pays, ou je ne sais pas",
    "ar": "البلد كله، أو لا أعرف",
    "nl": "Het hele land, of ik weet het niet",
    "de": "Das ganze Land, oder ich weiß es nicht",
}


def questions(registry: Registry, language: Language) -> Guide:
    """The guide's questions in order, each with its options, in `language`."""

    def choice(question: str, labels: Mapping[str, Texts]) -> GuideQuestion:
        return _question(
            question,
            question,
            language,
            [GuideOption(value=value, label=texts[language]) for value, texts in labels.items()],
        )

    chains = registry.territory_chains
    countries = sorted((code for code, chain in chains.items() if len(chain) == 1))
    regions = [
        GuideOption(
            value=country,
            label=f"{registry.territory_name(country, language)} — {WHOLE_COUNTRY[language]}",
            country=country,
        )
        for country in countries
    ]
    regions += [
        GuideOption(
            value=code,
            label=" — ".join(registry.territory_name(c, language) for c in chain[-2::-1]),
            country=chain[-1],
        )
        for code, chain in sorted(chains.items(), key=lambda item: item[1][::-1])
        if len(chain) > 1
    ]
    yes_no = [GuideOption(value=value, label=texts[language]) for value, texts in YES_NO.items()]
    return Guide(
        language=language,
        registry_version=registry.version,
        questions=[
            choice("category", CATEGORIES),
            choice("respondent_type", RESPONDENT_TYPES),
            _question(
                "country",
                "territory",
                language,
                [
                    *(
                        GuideOption(value=code, label=registry.territory_name(code, language))
                        for code in countries
                    ),
                    GuideOption(value=ELSEWHERE, label=ELSEWHERE_LABEL[language]),
                ],
            ),
            _question("region", "territory", language, regions, depends_on="country"),
            choice("complainant_role", COMPLAINANT_ROLES),
            _question("administration_contacted", "administration_contacted", language, yes_no),
            _question("court_case_pending", "court_case_pending", language, yes_no),
        ],
    )


def _question(
    question: str,
    answers: str,
    language: Language,
    options: list[GuideOption],
    depends_on: str | None = None,
) -> GuideQuestion:
    help_texts = HELP.get(question)
    return GuideQuestion(
        id=question,
        answers=answers,
        text=QUESTIONS[question][language],
        help=help_texts[language] if help_texts else None,
        options=options,
        depends_on=depends_on,
    )


def facts_of(answers: GuideAnswers, language: Language) -> ComplaintFacts:
    """The facts a submission with these answers would carry."""
    return ComplaintFacts(
        category=answers.category,
        respondent_type=answers.respondent_type,
        respondent_territory=answers.territory,
        complainant_role=answers.complainant_role,
        anonymous=answers.anonymous,
        administration_contacted=answers.administration_contacted,
        court_case_pending=answers.court_case_pending,
        language=language,
        received_by=answers.received_by,
        channel="web",
    )


def answer(answers: GuideAnswers, registry: Registry, language: Language) -> GuideAnswer:
    """Which institution is competent for these answers, and why, in `language`."""
    decision = decide(facts_of(answers, language), registry)

    def named(institution_id: str) -> GuideInstitution:
        return GuideInstitution(
            institution_id=institution_id, name=registry.institution_name(institution_id, language)
        )

    advice = None
    if decision.advice is not None:
        known = registry.advice[decision.advice]
        advice = GuideAdvice(
            code=known.code, external_body=known.external_body, text=known.texts[language]
        )
    desk = decision.triage_institution_id
    return GuideAnswer(
        outcome=decision.outcome,
        reason=decision.reason,
        registry_version=decision.registry_version,
        institutions=[
            InstitutionSummary.model_validate(c.model_dump()) for c in decision.competent
        ],
        candidates=[named(i) for i in decision.candidates],
        triage_institution=named(desk) if desk else None,
        explanation=decision.explain(language),
        advice=advice,
    )
