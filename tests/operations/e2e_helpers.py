"""The helpers of tests/e2e this folder uses, loaded from their files.

Other test folders of the repository are packages named `tests` too (the gateway's, intake's), so
`tests.e2e` cannot be imported by name in every run; these modules are loaded by path instead,
under names of their own.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

E2E = Path(__file__).resolve().parents[1] / "e2e"


def _load(name: str) -> ModuleType:
    key = f"nwd_operations_e2e_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, E2E / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


if TYPE_CHECKING:
    from tests.e2e.conftest import launched_platform
    from tests.e2e.test_complaint_to_case import complaint, file, follow_until
else:
    launched_platform = _load("conftest").launched_platform
    complaint = _load("test_complaint_to_case").complaint
    file = _load("test_complaint_to_case").file
    follow_until = _load("test_complaint_to_case").follow_until

__all__ = ["complaint", "file", "follow_until", "launched_platform"]
