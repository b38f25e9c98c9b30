"""Receipts are checked against their slow hash; nothing else opens a case."""

from intake.domain.receipts import hash_receipt, receipt_matches

RECEIPT = "4821093377160254"


def test_the_receipt_matches_its_own_hash_only() -> None:
    stored = hash_receipt(RECEIPT)

    assert RECEIPT not in stored
    assert receipt_matches(stored, RECEIPT)
    assert not receipt_matches(stored, "4821093377160255")
    assert not receipt_matches(hash_receipt("4821093377160255"), RECEIPT)


def test_an_unknown_reference_or_a_damaged_hash_matches_nothing() -> None:
    assert not receipt_matches(None, RECEIPT)
    assert not receipt_matches("not-a-hash", RECEIPT)
