import base64
import threading
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from nowrongdoor.contacts import ContactDetails, open_contact, seal_contact, transport_keys


def test_a_sealed_contact_opens_for_its_own_case_only(tmp_path: Path) -> None:
    keys = transport_keys(None, tmp_path, production=False)
    contact = ContactDetails(email="salma@example.org", phone="+212 600 000 000")

    sealed = seal_contact(keys, "NWD-ABCD-2345", contact)

    # Neither the text nor its decoded bytes hold the details; a short fragment
    # such as "600" may turn up in random ciphertext, the whole details cannot.
    ciphertext = base64.urlsafe_b64decode(sealed.rsplit(".", 1)[1] + "==")
    for detail in ("salma@example.org", "+212 600 000 000"):
        assert detail not in sealed
        assert detail.encode() not in ciphertext
    assert open_contact(keys, "NWD-ABCD-2345", sealed) == contact
    with pytest.raises(InvalidTag):
        open_contact(keys, "NWD-WXYZ-6789", sealed)


def test_two_processes_starting_together_agree_on_one_development_key(tmp_path: Path) -> None:
    found: list[str] = []

    def read() -> None:
        found.append(transport_keys(None, tmp_path, production=False).active_key_id)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(found)) == 1


def test_production_refuses_to_make_up_a_transport_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="NWD_CONTACT_TRANSPORT_KEYS"):
        transport_keys(None, tmp_path, production=True)
    assert not (tmp_path / "keys").exists()
