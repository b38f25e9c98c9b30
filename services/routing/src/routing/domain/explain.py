"""A decision told in plain words, in the complainant's language, from the directory alone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from nowrongdoor.contracts.vocabulary import Language, RoutingOutcome

if TYPE_CHECKING:
    from routing.domain.decide import Decision


def explain(decision: Decision, language: Language) -> str:
    """The decision in plain words; it never holds anything the complainant wrote.

    A decision taken again after an institution declined the opened case says so first.
    """
    told = _outcome(decision, language)
    if decision.transferred_by is None:
        return told
    texts = EXPLANATIONS[language]
    by = decision.registry.institutions.get(decision.transferred_by)
    name = by.name(language) if by is not None else decision.transferred_by
    return f"{texts['transferred'].format(institution=name)} {told}"


def _outcome(decision: Decision, language: Language) -> str:
    texts = EXPLANATIONS[language]
    registry = decision.registry

    def names(ids: Iterable[str]) -> str:
        return texts["separator"].join(registry.institution_name(i, language) for i in ids)

    advice = registry.advice_text(decision.advice, language) if decision.advice else ""
    if decision.outcome == RoutingOutcome.COMPETENT:
        lead = decision.competent[0]
        parts = [texts["competent"].format(lead=names([lead.institution_id]))]
        offices = registry.institutions[lead.institution_id].offices
        office = next((o for o in offices if o.id == lead.office_id), None)
        if office is not None:
            parts.append(texts["office"].format(office=office.name(language)))
        if decision.associated:
            parts.append(
                texts["associated"].format(
                    names=names(c.institution_id for c in decision.associated)
                )
            )
        return " ".join(parts)
    if decision.outcome == RoutingOutcome.PREREQUISITE_MISSING:
        return texts["prerequisite-missing"].format(names=names(decision.candidates), advice=advice)
    if decision.outcome == RoutingOutcome.NOT_COMPETENT:
        return texts["not-competent"].format(advice=advice)
    assert decision.triage_institution_id is not None, "a triage decision always names its desk"
    why = texts[decision.reason].format(names=names(decision.candidates))
    return texts["triage"].format(desk=names([decision.triage_institution_id]), why=why)


EXPLANATIONS: Mapping[Language, Mapping[str, str]] = {
    "en": {
        "separator": ", ",
        "competent": "{lead} is competent for your complaint and will handle it.",
        "office": "It will be dealt with by: {office}.",
        "associated": "Also competent, working on it under the same reference: {names}.",
        "prerequisite-missing": "{names} could handle this complaint, but not yet. {advice}",
        "not-competent": "No institution in this network can take this complaint. {advice}",
        "triage": "{desk} will look at your complaint and decide who handles it, because {why}.",
        "equally-ranked-leads": (
            "more than one institution could lead it ({names}) and the facts alone do not say which"
        ),
        "unknown-territory": (
            "the place given for the body complained about is not in the directory"
        ),
        "uncategorised": "its subject needs a person to classify it",
        "declined-by-all": "every institution competent for it has declined it",
        "transferred": (
            "{institution} found your complaint outside its competence and handed it on."
        ),
    },
    "fr": {
        "separator": ", ",
        "competent": "L'institution compétente pour votre plainte est : {lead}.",
        "office": "Elle sera traitée par : {office}.",
        "associated": "Autres institutions compétentes, sous la même référence : {names}.",
        "prerequisite-missing": (
            "Cette plainte pourra être traitée par : {names}, mais pas encore. {advice}"
        ),
        "not-competent": "Aucune institution du réseau ne peut traiter cette plainte. {advice}",
        "triage": (
            "Votre plainte sera examinée par : {desk}, qui décidera qui la traite, car {why}."
        ),
        "equally-ranked-leads": (
            "plusieurs institutions pourraient la conduire ({names}) "
            "et les faits seuls ne permettent pas de choisir"
        ),
        "unknown-territory": (
            "le lieu indiqué pour l'organisme mis en cause ne figure pas dans l'annuaire"
        ),
        "uncategorised": "son objet doit être qualifié par une personne",
        "declined-by-all": "les institutions compétentes pour elle l'ont toutes déclinée",
        "transferred": (
            "{institution} s'est déclarée incompétente pour votre plainte et l'a transmise."
        ),
    },
    "ar": {
        "separator": "، ",
        "competent": "الجهة المختصة بشكايتك هي: {lead}.",
        "office": "وستُعالج لدى: {office}.",
        "associated": "وتشارك أيضاً في معالجتها، تحت المرجع نفسه: {names}.",
        "prerequisite-missing": "يمكن معالجة هذه الشكاية لدى: {names}، ولكن ليس بعد. {advice}",
        "not-competent": "لا يمكن لأي مؤسسة في هذه الشبكة معالجة هذه الشكاية. {advice}",
        "triage": "ستُدرس شكايتك لدى: {desk}، لتحديد الجهة التي ستعالجها، لأن {why}.",
        "equally-ranked-leads": (
            "أكثر من مؤسسة يمكنها أن تتولاها ({names}) والوقائع وحدها لا تحدد أيّها"
        ),
        "unknown-territory": "المكان المذكور للجهة المشتكى بها غير موجود في الدليل",
        "uncategorised": "موضوعها يحتاج إلى شخص يصنّفه",
        "declined-by-all": "كل المؤسسات المختصة بها صرّحت بعدم اختصاصها",
        "transferred": "صرّحت {institution} بعدم اختصاصها بشكايتك وأحالتها.",
    },
    "nl": {
        "separator": ", ",
        "competent": "{lead} is bevoegd voor uw klacht en zal ze behandelen.",
        "office": "Ze wordt behandeld door: {office}.",
        "associated": "Ook bevoegd en mee betrokken, onder hetzelfde referentienummer: {names}.",
        "prerequisite-missing": (
            "Deze klacht kan behandeld worden door: {names}, maar nog niet. {advice}"
        ),
        "not-competent": (
            "Geen enkele instelling in dit netwerk kan deze klacht behandelen. {advice}"
        ),
        "triage": "{desk} bekijkt uw klacht en beslist wie ze behandelt, want {why}.",
        "equally-ranked-leads": (
            "meer dan één instelling kan de behandeling leiden ({names}) "
            "en uit de feiten alleen blijkt niet welke"
        ),
        "unknown-territory": (
            "de plaats die u opgaf voor de instantie waarover u klaagt, staat niet in onze lijst"
        ),
        "uncategorised": "iemand moet eerst bepalen waarover ze precies gaat",
        "declined-by-all": "alle instellingen die ervoor bevoegd zijn, hebben ze afgewezen",
        "transferred": (
            "{institution} verklaarde zich niet bevoegd voor uw klacht en stuurde ze door."
        ),
    },
    "de": {
        "separator": ", ",
        "competent": "{lead} ist für Ihre Beschwerde zuständig und wird sie bearbeiten.",
        "office": "Bearbeitet wird sie von: {office}.",
        "associated": "Ebenfalls zuständig und unter demselben Aktenzeichen beteiligt: {names}.",
        "prerequisite-missing": (
            "Diese Beschwerde kann bearbeitet werden von: {names}, aber noch nicht. {advice}"
        ),
        "not-competent": (
            "Keine Institution in diesem Netzwerk kann diese Beschwerde bearbeiten. {advice}"
        ),
        "triage": (
            "{desk} sieht sich Ihre Beschwerde an und entscheidet, wer sie bearbeitet, denn {why}."
        ),
        "equally-ranked-leads": (
            "mehr als eine Institution könnte sie federführend bearbeiten ({names}), "
            "und die Angaben allein sagen nicht, welche"
        ),
        "unknown-territory": (
            "der Ort, den Sie für die Stelle angegeben haben, über die Sie sich beschweren, "
            "steht nicht in unserem Verzeichnis"
        ),
        "uncategorised": "ein Mensch muss erst einordnen, worum es darin geht",
        "declined-by-all": "alle dafür zuständigen Institutionen haben sie abgelehnt",
        "transferred": (
            "{institution} ist für Ihre Beschwerde nicht zuständig und hat sie weitergeleitet."
        ),
    },
}
"""Each language's sentences, keyed by the outcome or triage reason they tell."""
