"""A service names its key rotation in its declaration; a bad name is refused early and clearly."""

import re
from pathlib import Path

import pytest

from nowrongdoor.crypto import StaticKeys
from nowrongdoor.plugins import PluginError, ServiceDeclaration
from nowrongdoor.rotation import RotationStopped, sealer_for


def declared(key_rotation: str | None) -> ServiceDeclaration:
    return ServiceDeclaration(
        name="ledger",
        app_factory="ledger.app:create_app",
        settings_class="ledger.settings:LedgerSettings",
        default_port=9100,
        owns_database=False,
        key_rotation=key_rotation,
    )


def test_a_rotation_that_is_no_dotted_path_is_refused_at_declaration() -> None:
    with pytest.raises(
        ValueError, match=re.escape("key_rotation 'ledger.cli' is not 'package.module:name'")
    ):
        declared("ledger.cli")


def test_a_service_without_a_rotation_has_none_to_load() -> None:
    assert declared(None).load_key_rotation() is None


def test_a_rotation_that_does_not_import_names_the_service() -> None:
    with pytest.raises(PluginError, match=re.escape("ledger: key rotation nwd_missing.cli:rotate")):
        declared("nwd_missing.cli:rotate").load_key_rotation()


def test_a_rotation_that_is_not_callable_is_refused() -> None:
    with pytest.raises(PluginError, match="is not callable"):
        declared("nowrongdoor.rotation:__doc__").load_key_rotation()


def test_a_declared_rotation_is_the_function_it_names() -> None:
    found: object = declared("nowrongdoor.rotation:sealer_for").load_key_rotation()
    assert found is sealer_for


def test_keys_that_cannot_be_read_stop_the_rotation_without_a_new_key(tmp_path: Path) -> None:
    missing = tmp_path / "keys" / "ledger.keys"

    with pytest.raises(RotationStopped, match="no usable encryption keys"):
        sealer_for(lambda: StaticKeys.from_file(missing, create=False))
    assert not missing.exists()
