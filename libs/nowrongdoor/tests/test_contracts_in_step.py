"""The committed event contracts are exactly what the code generates."""

from pathlib import Path

import jsonschema

from nowrongdoor.cli import compare_schemas, render_schemas
from nowrongdoor.contracts.streams import EVENT_TYPES

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def test_committed_json_schemas_and_asyncapi_match_the_code() -> None:
    problems = compare_schemas(render_schemas(), SCHEMAS)

    assert problems == [], "\n".join([*problems, "run `make schemas` and commit"])


def test_every_event_schema_is_valid_json_schema() -> None:
    for event in EVENT_TYPES:
        jsonschema.Draft202012Validator.check_schema(event.model_json_schema())
