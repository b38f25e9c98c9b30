"""Who writes to whom, who reads what, and the minute a message is dated to."""

from datetime import UTC, datetime

import pytest

from case_tracking.domain.messages import Reader, readable, refusal, to_the_minute
from nowrongdoor.contracts.vocabulary import MessageAudience

COMPLAINANT = Reader.complainant()
WRITER = Reader.institution("ma-inpplc")
OTHER = Reader.institution("ma-cndh")


@pytest.mark.parametrize(
    ("audience", "complainant", "writer", "other"),
    [
        ("complainant", True, True, True),
        ("institutions", False, True, True),
        ("internal", False, True, False),
    ],
)
def test_each_audience_reaches_its_readers_only(
    audience: MessageAudience, complainant: bool, writer: bool, other: bool
) -> None:
    assert readable(audience, "ma-inpplc", COMPLAINANT) is complainant
    assert readable(audience, "ma-inpplc", WRITER) is writer
    assert readable(audience, "ma-inpplc", OTHER) is other


def test_the_complainant_writes_to_the_institutions_only() -> None:
    assert refusal("complainant", "complainant", other_institutions=False) is None
    assert refusal("complainant", "institutions", other_institutions=True) is not None
    assert refusal("complainant", "internal", other_institutions=True) is not None


def test_an_institution_writes_to_other_institutions_only_in_a_joint_case() -> None:
    assert refusal("institution", "institutions", other_institutions=True) is None
    assert refusal("institution", "institutions", other_institutions=False) is not None
    assert refusal("institution", "internal", other_institutions=False) is None
    assert refusal("institution", "complainant", other_institutions=False) is None


def test_a_message_is_dated_no_finer_than_the_minute() -> None:
    at = datetime(2026, 12, 2, 10, 14, 37, 123456, tzinfo=UTC)

    assert to_the_minute(at) == datetime(2026, 12, 2, 10, 14, tzinfo=UTC)
