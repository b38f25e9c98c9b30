"""The refusals of case tracking's use cases; the API answers each with its problem.

An illegal step is the domain's own `lifecycle.IllegalStep`.
"""

from __future__ import annotations


class CaseNotFound(LookupError):
    """No such case, or none this caller may see or change: the two are never told apart."""


class StaleCase(Exception):
    """The change was made on a version of the case that is no longer the current one."""


class InvalidChange(ValueError):
    """The change is legal but incomplete or inconsistent; `field` says where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class AlreadyTakingPart(Exception):
    """The institution a case is transferred to has, or had, a part in it already."""

    def __init__(self, institution_id: str) -> None:
        super().__init__(f"{institution_id} already takes part in this case.")
        self.institution_id = institution_id


class CaseFinished(Exception):
    """The case is closed or withdrawn: nothing more is written in it."""
