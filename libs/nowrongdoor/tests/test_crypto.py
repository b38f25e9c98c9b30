import base64
import secrets
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from nowrongdoor.crypto import Sealer, StaticKeys, UnknownKey


def keys(*ids: str) -> StaticKeys:
    return StaticKeys.parse(
        ",".join(f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}" for key_id in ids)
    )


def test_sealed_text_opens_again_and_does_not_contain_the_clear_text() -> None:
    sealer = Sealer(keys("k1"))
    sealed = sealer.seal("Amina El Idrissi", "NWD-1/identity")

    assert "Amina" not in sealed
    assert sealer.open(sealed, "NWD-1/identity") == "Amina El Idrissi"


def test_a_ciphertext_moved_to_another_record_does_not_open() -> None:
    sealer = Sealer(keys("k1"))
    sealed = sealer.seal("secret", "NWD-1/description")

    with pytest.raises(InvalidTag):
        sealer.open(sealed, "NWD-2/description")


def test_after_rotation_old_data_still_opens_and_new_data_uses_the_new_key() -> None:
    old = keys("k1")
    sealed_before = Sealer(old).seal("before", "c")
    new_key = base64.b64encode(secrets.token_bytes(32)).decode()
    rotated = StaticKeys.parse(f"k2:{new_key},k1:{base64.b64encode(old.keys['k1']).decode()}")

    sealer = Sealer(rotated)
    assert sealer.open(sealed_before, "c") == "before"
    assert Sealer.key_id_of(sealer.seal("after", "c")) == "k2"


def test_a_key_that_is_not_held_is_named_in_the_error() -> None:
    sealed = Sealer(keys("k1")).seal("x", "c")
    with pytest.raises(UnknownKey, match="k1"):
        Sealer(keys("k9")).open(sealed, "c")


def test_a_development_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "intake.keys"
    first = StaticKeys.from_file(path, create=True)
    second = StaticKeys.from_file(path, create=False)

    assert first == second
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 random bytes"):
        StaticKeys.parse(f"k1:{base64.b64encode(b'short').decode()}")
