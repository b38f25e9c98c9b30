"""What a relaying NGO may do, as its accreditation stands and the case goes on."""

from datetime import date

import pytest

from case_tracking.domain.relays import Relaying, Standing, relaying

TODAY = date(2026, 12, 3)
RW, R = Relaying.READS_AND_WRITES, Relaying.READS


@pytest.mark.parametrize(
    ("standing", "finished", "expected"),
    [
        (None, False, RW),  # not heard of yet: the gateway checked it at filing
        (Standing("granted", date(2027, 1, 1)), False, RW),
        (Standing("granted", TODAY), True, RW),  # its last day; a closed case stays readable
        (Standing("granted", date(2026, 12, 2)), False, R),  # expired yesterday
        (Standing("suspended", date(2027, 1, 1)), False, R),
        (Standing("revoked", date(2027, 1, 1)), False, R),
        (Standing("revoked", date(2027, 1, 1)), True, None),
    ],
)
def test_an_accreditation_that_ended_leaves_reading_until_the_case_closes(
    standing: Standing | None, finished: bool, expected: Relaying | None
) -> None:
    assert (
        relaying(verified=True, standing=standing, withdrawn=False, finished=finished, today=TODAY)
        is expected
    )


def test_an_unverified_relay_follows_its_case_and_a_withdrawn_one_sees_nothing() -> None:
    ended = Standing("revoked", None)

    assert (
        relaying(verified=False, standing=None, withdrawn=False, finished=True, today=TODAY) is RW
    )
    assert (
        relaying(verified=True, standing=ended, withdrawn=True, finished=False, today=TODAY) is None
    )
    assert (
        relaying(verified=False, standing=None, withdrawn=True, finished=False, today=TODAY) is None
    )
