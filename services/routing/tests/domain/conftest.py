"""The facts the domain tests decide on: one plain complaint, changed where a test says."""

from collections.abc import Callable
from typing import Any

import pytest

from nowrongdoor.contracts.events import ComplaintFacts


@pytest.fixture
def facts() -> Callable[..., ComplaintFacts]:
    """A citizen's maladministration complaint about Morocco, changed where a scenario says."""

    def make(**overrides: Any) -> ComplaintFacts:
        values: dict[str, Any] = {
            "category": "maladministration",
            "respondent_type": "national-administration",
            "respondent_territory": "MA",
            "complainant_role": "citizen",
            "anonymous": False,
            "administration_contacted": True,
            "court_case_pending": False,
            "language": "fr",
            "received_by": None,
            "channel": "web",
        }
        return ComplaintFacts(**(values | overrides))

    return make
