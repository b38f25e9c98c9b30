"""Receipts are checked against their slow hash; nothing else opens a case."""

from argon2 import PasswordHasher, Type, extract_parameters

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


def test_a_receipt_is_hashed_with_argon2id_at_owasps_minimum_or_heavier() -> None:
    parameters = extract_parameters(hash_receipt(RECEIPT))

    assert parameters.type is Type.ID
    assert parameters.time_cost >= 2
    assert parameters.memory_cost >= 19 * 1024


def test_a_receipt_hashed_under_earlier_heavier_parameters_still_opens_its_case() -> None:
    earlier = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1).hash(RECEIPT)

    assert receipt_matches(earlier, RECEIPT)
    assert not receipt_matches(earlier, "4821093377160255")
