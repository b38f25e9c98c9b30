"""Each new row is built without asking a builtin for its signature.

SQLModel builds a table model's row through pydantic's `get_default`, which inspects a default
factory's signature every time; a builtin such as `list` costs a tenth of a millisecond or more
each time (`nowrongdoor.db.no_items`), on every complaint, decision and notice.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator

from sqlmodel import SQLModel

from nowrongdoor.plugins import discover_services


def table_models() -> Iterator[type[SQLModel]]:
    """Every table model of every declared service, its app imported as the service does."""
    for service in discover_services():
        importlib.import_module(service.app_factory.partition(":")[0])
    waiting = list(SQLModel.__subclasses__())
    while waiting:
        model = waiting.pop()
        waiting.extend(model.__subclasses__())
        if getattr(model, "__table__", None) is not None:
            yield model


def test_no_table_model_defaults_to_a_builtin_factory() -> None:
    models = list(table_models())
    slow = [
        f"{model.__module__}.{model.__name__}.{name}: {field.default_factory!r}"
        for model in models
        for name, field in model.model_fields.items()
        if field.default_factory is not None and not inspect.isfunction(field.default_factory)
    ]

    assert {model.__tablename__ for model in models} >= {"submissions", "routing_decisions"}
    assert slow == []
