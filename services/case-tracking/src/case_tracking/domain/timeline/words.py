"""The timeline's words in every language a case reads in, and the check that none is missing.

Each wording is written once per language, in plain words for the complainant; `{placeholders}`
take the facts kept with the entry (institution names pass through as given). English is the
wording the platform always used.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import TypeGuard, get_args

from nowrongdoor.contracts.vocabulary import CaseOutcome, Language

LANGUAGES: tuple[Language, ...] = get_args(Language)
"""Every language the platform speaks: a case's timeline reads in each."""

Catalogue = Mapping[str, Mapping[str, str]]
"""Each wording's key, then each language's words for it."""

ENTRIES: Catalogue = {
    # -- the complaint arrives, and routing decides ----------------------------------------
    "received-by": {
        "ar": "استُلمت الشكاية لدى {door}",
        "fr": "Plainte reçue par {door}",
        "en": "Received by {door}",
        "nl": "Ontvangen door {door}",
        "de": "Eingegangen bei {door}",
    },
    "received-through-portal": {
        "ar": "استُلمت الشكاية عبر البوابة المشتركة",
        "fr": "Plainte reçue par le portail commun",
        "en": "Received through the joint portal",
        "nl": "Ontvangen via het gezamenlijke portaal",
        "de": "Über das gemeinsame Portal eingegangen",
    },
    "routed": {
        "ar": "أُحيلت الشكاية إلى {institutions}",
        "fr": "Plainte transmise à {institutions}",
        "en": "Routed to {institutions}",
        "nl": "Doorgestuurd naar {institutions}",
        "de": "Weitergeleitet an {institutions}",
    },
    "routed-from-door": {
        "ar": "أُحيلت الشكاية من {door} إلى {institutions}",
        "fr": "Plainte transférée par {door} à {institutions}",
        "en": "Transferred from {door} to {institutions}",
        "nl": "Door {door} doorgestuurd naar {institutions}",
        "de": "Von {door} weitergeleitet an {institutions}",
    },
    "prerequisite-missing": {
        "ar": "الشكاية غير مقبولة بعد: ينقصها إجراء مسبق (انظر النصيحة)",
        "fr": "Pas encore recevable : une démarche préalable manque (voir le conseil)",
        "en": "Not admissible yet: a prerequisite is missing (see the advice)",
        "nl": "Nog niet ontvankelijk: er ontbreekt een voorafgaande stap (zie het advies)",
        "de": "Noch nicht zulässig: Ein vorheriger Schritt fehlt (siehe den Hinweis)",
    },
    "not-competent": {
        "ar": "لا تختص أي مؤسسة مشاركة بهذه الشكاية (انظر النصيحة)",
        "fr": "Aucune institution participante n'est compétente (voir le conseil)",
        "en": "No participating institution is competent (see the advice)",
        "nl": "Geen enkele deelnemende instelling is bevoegd (zie het advies)",
        "de": "Keine teilnehmende Stelle ist zuständig (siehe den Hinweis)",
    },
    "awaiting-triage": {
        "ar": "في انتظار قرار {desk} بشأن الجهة المختصة",
        "fr": "{desk} doit décider quelle institution est compétente",
        "en": "Awaiting a decision on competence by {desk}",
        "nl": "Wacht op de beslissing van {desk} over welke instelling bevoegd is",
        "de": "Wartet auf die Entscheidung von {desk}, welche Stelle zuständig ist",
    },
    # -- an institution works its part: one wording per status it steps into ---------------
    "acknowledged": {
        "ar": "تم تأكيد استلام الشكاية من قِبل {institution}",
        "fr": "Réception confirmée par {institution}",
        "en": "Acknowledged by {institution}",
        "nl": "Ontvangst bevestigd door {institution}",
        "de": "Eingang bestätigt von {institution}",
    },
    "admissible": {
        "ar": "اعتُبرت الشكاية مقبولة من قِبل {institution}",
        "fr": "Jugée recevable par {institution}",
        "en": "Found admissible by {institution}",
        "nl": "Ontvankelijk verklaard door {institution}",
        "de": "Von {institution} für zulässig erklärt",
    },
    "inadmissible": {
        "ar": "اعتُبرت الشكاية غير مقبولة من قِبل {institution}",
        "fr": "Jugée irrecevable par {institution}",
        "en": "Found inadmissible by {institution}",
        "nl": "Niet-ontvankelijk verklaard door {institution}",
        "de": "Von {institution} für unzulässig erklärt",
    },
    "investigating": {
        "ar": "الشكاية قيد الدراسة لدى {institution}",
        "fr": "En cours d'examen par {institution}",
        "en": "Under investigation by {institution}",
        "nl": "In onderzoek bij {institution}",
        "de": "Wird von {institution} geprüft",
    },
    "awaiting-complainant": {
        "ar": "في انتظار ردّ صاحب الشكاية على {institution}",
        "fr": "{institution} attend la réponse de l'auteur de la plainte",
        "en": "{institution} awaits the complainant's answer",
        "nl": "{institution} wacht op het antwoord van de indiener",
        "de": "{institution} wartet auf die Antwort der beschwerdeführenden Person",
    },
    "resolved": {
        "ar": "تم البتّ في الشكاية من قِبل {institution}",
        "fr": "Résolue par {institution}",
        "en": "Resolved by {institution}",
        "nl": "Afgehandeld door {institution}",
        "de": "Von {institution} erledigt",
    },
    "resolved-with-outcome": {
        "ar": "تم البتّ في الشكاية من قِبل {institution} ({outcome})",
        "fr": "Résolue par {institution} ({outcome})",
        "en": "Resolved by {institution} ({outcome})",
        "nl": "Afgehandeld door {institution} ({outcome})",
        "de": "Von {institution} erledigt ({outcome})",
    },
    "closed": {
        "ar": "أُغلق ملف الشكاية من قِبل {institution}",
        "fr": "Dossier clôturé par {institution}",
        "en": "Closed by {institution}",
        "nl": "Afgesloten door {institution}",
        "de": "Von {institution} abgeschlossen",
    },
    "resumed": {
        "ar": "استُؤنفت معالجة الشكاية لدى {institution}",
        "fr": "{institution} a repris le traitement de la plainte",
        "en": "{institution} resumed its work on the case",
        "nl": "{institution} heeft de behandeling van de klacht hervat",
        "de": "{institution} hat die Bearbeitung der Beschwerde wieder aufgenommen",
    },
    "transferred-to": {
        "ar": "أُحيلت الشكاية من {institution} إلى {to}",
        "fr": "Plainte transférée par {institution} à {to}",
        "en": "Transferred from {institution} to {to}",
        "nl": "Door {institution} overgedragen aan {to}",
        "de": "Von {institution} an {to} abgegeben",
    },
    "transferred-to-routing": {
        "ar": "أُعيدت الشكاية من {institution}: في انتظار قرار جديد بشأن الجهة المختصة",
        "fr": "Plainte transférée par {institution} : une nouvelle décision sur l'institution "
        "compétente est attendue",
        "en": "Transferred by {institution}: a new decision on competence is awaited",
        "nl": "Overgedragen door {institution}: er volgt een nieuwe beslissing over welke "
        "instelling bevoegd is",
        "de": "Von {institution} abgegeben: Eine neue Entscheidung über die Zuständigkeit "
        "steht aus",
    },
    "withdrawn": {
        "ar": "سُحبت الشكاية من قِبل صاحبها",
        "fr": "Plainte retirée par son auteur",
        "en": "Withdrawn by the complainant",
        "nl": "Ingetrokken door de indiener",
        "de": "Von der beschwerdeführenden Person zurückgezogen",
    },
    # -- joint cases -------------------------------------------------------------------------
    "invited": {
        "ar": "دعوة {invited} من قِبل {institution} إلى المشاركة في معالجة الشكاية",
        "fr": "{institution} a demandé à {invited} de participer au traitement de la plainte",
        "en": "{institution} asked {invited} to take part in the case",
        "nl": "{institution} heeft {invited} gevraagd mee te werken aan de behandeling van de "
        "klacht",
        "de": "{institution} hat {invited} gebeten, sich an der Bearbeitung der Beschwerde zu "
        "beteiligen",
    },
    "joined": {
        "ar": "انضمام {institution} إلى معالجة الشكاية",
        "fr": "{institution} participe désormais au traitement de la plainte",
        "en": "{institution} took part in the case",
        "nl": "{institution} werkt nu mee aan de behandeling van de klacht",
        "de": "{institution} beteiligt sich nun an der Bearbeitung der Beschwerde",
    },
    "declined": {
        "ar": "اعتذار {institution} عن المشاركة في معالجة الشكاية",
        "fr": "{institution} ne participera pas au traitement de la plainte",
        "en": "{institution} will not take part in the case",
        "nl": "{institution} werkt niet mee aan de behandeling van de klacht",
        "de": "{institution} beteiligt sich nicht an der Bearbeitung der Beschwerde",
    },
    "left": {
        "ar": "انسحاب {institution} من معالجة الشكاية، وتواصل المؤسسات الأخرى معالجتها",
        "fr": "{institution} ne participe plus au traitement de la plainte ; les autres "
        "institutions le poursuivent",
        "en": "{institution} left the case, which the other institutions carry on",
        "nl": "{institution} werkt niet langer mee; de andere instellingen zetten de "
        "behandeling voort",
        "de": "{institution} hat sich zurückgezogen; die anderen Stellen bearbeiten die "
        "Beschwerde weiter",
    },
    # -- what was sent: one wording per channel, whether it got through, and to whom ---------
    "email-sent-to-you": {
        "ar": "أُرسل إليك بريد إلكتروني",
        "fr": "Un e-mail vous a été envoyé",
        "en": "An email was sent to you",
        "nl": "Er is u een e-mail gestuurd",
        "de": "Eine E-Mail wurde an Sie gesendet",
    },
    "email-not-sent-to-you": {
        "ar": "تعذّر علينا إرسال بريد إلكتروني إليك",
        "fr": "Nous n'avons pas pu vous envoyer d'e-mail",
        "en": "We could not send you an email",
        "nl": "We konden u geen e-mail sturen",
        "de": "Wir konnten Ihnen keine E-Mail senden",
    },
    "sms-sent-to-you": {
        "ar": "أُرسلت إليك رسالة نصية",
        "fr": "Un SMS vous a été envoyé",
        "en": "A text message was sent to you",
        "nl": "Er is u een sms gestuurd",
        "de": "Eine SMS wurde an Sie gesendet",
    },
    "sms-not-sent-to-you": {
        "ar": "تعذّر علينا إرسال رسالة نصية إليك",
        "fr": "Nous n'avons pas pu vous envoyer de SMS",
        "en": "We could not send you a text message",
        "nl": "We konden u geen sms sturen",
        "de": "Wir konnten Ihnen keine SMS senden",
    },
    "email-sent-to-institution": {
        "ar": "أُرسل بريد إلكتروني إلى {institution}",
        "fr": "Un e-mail a été envoyé à {institution}",
        "en": "An email was sent to {institution}",
        "nl": "Er is een e-mail gestuurd naar {institution}",
        "de": "Eine E-Mail wurde an {institution} gesendet",
    },
    "email-not-sent-to-institution": {
        "ar": "تعذّر علينا إرسال بريد إلكتروني إلى {institution}",
        "fr": "Nous n'avons pas pu envoyer d'e-mail à {institution}",
        "en": "We could not send an email to {institution}",
        "nl": "We konden geen e-mail sturen naar {institution}",
        "de": "Wir konnten keine E-Mail an {institution} senden",
    },
    "sms-sent-to-institution": {
        "ar": "أُرسلت رسالة نصية إلى {institution}",
        "fr": "Un SMS a été envoyé à {institution}",
        "en": "A text message was sent to {institution}",
        "nl": "Er is een sms gestuurd naar {institution}",
        "de": "Eine SMS wurde an {institution} gesendet",
    },
    "sms-not-sent-to-institution": {
        "ar": "تعذّر علينا إرسال رسالة نصية إلى {institution}",
        "fr": "Nous n'avons pas pu envoyer de SMS à {institution}",
        "en": "We could not send a text message to {institution}",
        "nl": "We konden geen sms sturen naar {institution}",
        "de": "Wir konnten keine SMS an {institution} senden",
    },
}

OUTCOMES: Catalogue = {
    CaseOutcome.UPHELD: {
        "ar": "مبرَّرة",
        "fr": "fondée",
        "en": "upheld",
        "nl": "gegrond",
        "de": "begründet",
    },
    CaseOutcome.PARTLY_UPHELD: {
        "ar": "مبرَّرة جزئيًا",
        "fr": "partiellement fondée",
        "en": "partly upheld",
        "nl": "gedeeltelijk gegrond",
        "de": "teilweise begründet",
    },
    CaseOutcome.NOT_UPHELD: {
        "ar": "غير مبرَّرة",
        "fr": "non fondée",
        "en": "not upheld",
        "nl": "ongegrond",
        "de": "unbegründet",
    },
    CaseOutcome.MEDIATED: {
        "ar": "سُوّيت بالوساطة",
        "fr": "réglée par médiation",
        "en": "settled by mediation",
        "nl": "opgelost via bemiddeling",
        "de": "durch Schlichtung beigelegt",
    },
    CaseOutcome.WITHDRAWN: {
        "ar": "مسحوبة",
        "fr": "retirée",
        "en": "withdrawn",
        "nl": "ingetrokken",
        "de": "zurückgezogen",
    },
}
"""How a resolved case ended, as its entry says it."""

LISTING: Catalogue = {
    "lead": {
        "ar": "{name} (الجهة الرئيسية)",
        "fr": "{name} (chef de file)",
        "en": "{name} (lead)",
        "nl": "{name} (hoofdbehandelaar)",
        "de": "{name} (federführend)",
    },
    "office": {
        "ar": "{name} ({office})",
        "fr": "{name} ({office})",
        "en": "{name} ({office})",
        "nl": "{name} ({office})",
        "de": "{name} ({office})",
    },
    "separator": {"ar": "، ", "fr": ", ", "en": ", ", "nl": ", ", "de": ", "},
    "note": {
        "ar": "{summary}: {note}",
        "fr": "{summary} : {note}",
        "en": "{summary}: {note}",
        "nl": "{summary}: {note}",
        "de": "{summary}: {note}",
    },
}
"""How several institutions are named in one entry (each office, the lead, between them), and
how the reason a person gave follows the platform's words."""


def is_language(code: str) -> TypeGuard[Language]:
    """Whether the timeline reads in the language `code` names."""
    return code in LANGUAGES


def placeholders(words: str) -> frozenset[str]:
    """The facts `words` names."""
    return frozenset(name for _, name, _, _ in Formatter().parse(words) if name is not None)


def gaps(catalogue: Catalogue, languages: tuple[str, ...] = LANGUAGES) -> list[str]:
    """What a catalogue lacks: a wording without one of `languages`, empty words, or words
    naming other facts than the English do. Empty when complete."""
    found = []
    for key, by_language in catalogue.items():
        english = placeholders(by_language.get("en", ""))
        for language in languages:
            words = by_language.get(language, "")
            if not words.strip():
                found.append(f"{key}: no words in {language}")
            elif placeholders(words) != english:
                found.append(
                    f"{key}: {language} names {sorted(placeholders(words))}, "
                    f"English {sorted(english)}"
                )
        found.extend(
            f"{key}: {language} is no language a case reads in"
            for language in by_language
            if language not in languages
        )
    return found
