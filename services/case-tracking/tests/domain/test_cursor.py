"""The institution list's cursor: what it hands out, it reads back; nothing else."""

from datetime import UTC, datetime

import pytest

from case_tracking.domain import cursor


def test_a_cursor_reads_back_as_the_position_it_was_made_from() -> None:
    position = (datetime(2026, 12, 1, 10, 30, 15, 123456, tzinfo=UTC), "NWD-7K3M9QX2VD4H")

    assert cursor.decode(cursor.encode(*position)) == position


@pytest.mark.parametrize("forged", ["not-a-cursor", "", "%%%", "bm8tc2VwYXJhdG9y"])
def test_a_cursor_it_did_not_hand_out_is_refused(forged: str) -> None:
    with pytest.raises(cursor.BadCursor):
        cursor.decode(forged)
