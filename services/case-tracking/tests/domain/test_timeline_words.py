"""The timeline's catalogue: every wording, outcome and listing word in every language."""

from datetime import UTC, datetime
from typing import get_args

import pytest

from case_tracking.domain import timeline
from case_tracking.domain.timeline import words
from nowrongdoor.contracts.events import CompetentInstitution, ComplaintRouted
from nowrongdoor.contracts.vocabulary import CaseOutcome, Language, RoutingOutcome

NOW = datetime(2026, 12, 1, tzinfo=UTC)
NAMES = ("Institution A", "Institution B")


def _routed(outcome: RoutingOutcome, received_by: str | None = None) -> ComplaintRouted:
    return ComplaintRouted.model_validate(
        {
            "reference": "NWD-7K3M9QX2VD4H",
            "decision_id": "d-1",
            "registry_version": "v1",
            "outcome": outcome,
            "competent": [
                CompetentInstitution(
                    institution_id="a", name=NAMES[0], office_name="Office", role="lead"
                ),
                CompetentInstitution(institution_id="b", name=NAMES[1], role="associated"),
            ]
            if outcome == RoutingOutcome.COMPETENT
            else [],
            "received_by": received_by,
            "received_by_name": NAMES[1] if received_by else None,
            "matched_rules": [],
            "excluding_rules": [],
            "language": "fr",
            "received_at": NOW,
            "decided_at": NOW,
        }
    )


EVERY_STEP = [
    timeline.received(NAMES[0]),
    timeline.received(None),
    timeline.decided(_routed(RoutingOutcome.COMPETENT)),
    timeline.decided(_routed(RoutingOutcome.COMPETENT, received_by="elsewhere")),
    timeline.decided(_routed(RoutingOutcome.PREREQUISITE_MISSING)),
    timeline.decided(_routed(RoutingOutcome.NOT_COMPETENT)),
    timeline.awaiting_triage(NAMES[0]),
    *(timeline.stepped(NAMES[0], status) for status in timeline.STEPS),
    timeline.stepped(NAMES[0], next(iter(timeline.STEPS)), resumed=True),
    *(timeline.resolved(NAMES[0], outcome) for outcome in CaseOutcome),
    timeline.transferred(NAMES[0], NAMES[1]),
    timeline.transferred(NAMES[0], None),
    timeline.withdrawn(),
    timeline.invited(NAMES[0], NAMES[1]),
    timeline.joined(NAMES[0]),
    timeline.declined(NAMES[0]),
    timeline.left(NAMES[0]),
    *(
        timeline.notice(channel, delivered=delivered, institution_name=name)
        for channel in timeline.CHANNELS
        for delivered in (True, False)
        for name in (None, NAMES[0])
    ),
]
"""Each kind of step any use case keeps, with each status, outcome and channel."""


def test_the_catalogue_speaks_every_language_of_the_platform() -> None:
    assert set(words.LANGUAGES) == set(get_args(Language))
    assert set(words.LANGUAGES) >= {"ar", "fr", "en", "nl", "de"}


@pytest.mark.parametrize("catalogue", ["ENTRIES", "OUTCOMES", "LISTING"])
def test_every_wording_has_every_language_naming_the_same_facts(catalogue: str) -> None:
    assert words.gaps(getattr(words, catalogue)) == []


def test_the_check_names_a_missing_language_and_a_fact_named_differently() -> None:
    broken = {
        "received-by": {
            "ar": "استُلمت الشكاية لدى {door}",
            "fr": "Plainte reçue par {porte}",
            "en": "Received by {door}",
            "de": "  ",
            "es": "Recibida por {door}",
        }
    }

    assert words.gaps(broken) == [
        "received-by: fr names ['porte'], English ['door']",
        "received-by: no words in nl",
        "received-by: no words in de",
        "received-by: es is no language a case reads in",
    ]


def test_every_outcome_has_its_words() -> None:
    assert set(words.OUTCOMES) == set(CaseOutcome)


def test_every_kind_of_step_reads_in_every_language_with_its_names() -> None:
    wordings = {happened.wording for happened in EVERY_STEP}

    assert wordings == set(words.ENTRIES), "a wording no step keeps, or a step without words"
    for happened in EVERY_STEP:
        named = {value for value in happened.facts.values() if value in NAMES}
        for language in words.LANGUAGES:
            read = happened.read(language)
            assert read.strip() and "{" not in read, (happened.wording, language)
            assert all(name in read for name in named), (happened.wording, language)


def test_no_two_wordings_read_alike_in_any_language() -> None:
    for language in words.LANGUAGES:
        read = [happened.read(language) for happened in EVERY_STEP]
        assert len(set(read)) == len(read), language
