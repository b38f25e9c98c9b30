from nowrongdoor.ids import is_receipt, is_reference, new_receipt, new_reference


def test_references_are_crockford_base32_and_do_not_repeat() -> None:
    references = {new_reference() for _ in range(2000)}

    assert len(references) == 2000
    assert all(is_reference(reference) for reference in references)
    assert not any(set(reference[4:]) & set("ILOU") for reference in references)


def test_receipts_are_sixteen_digits() -> None:
    receipts = [new_receipt() for _ in range(200)]

    assert all(is_receipt(receipt) and len(receipt) == 16 for receipt in receipts)
    assert len(set(receipts)) == 200


def test_malformed_values_are_recognised() -> None:
    assert not is_reference("NWD-12345")
    assert not is_reference("NWD-ABCDEFGHIJKL")  # I and L are not Crockford digits
    assert not is_receipt("12345678901234567")
    assert not is_receipt("abcd567890123456")
