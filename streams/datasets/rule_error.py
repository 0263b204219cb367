"""A cross-field rule broken inside a dataset, located more precisely than pydantic can.

A validator on `measures` only knows its own location; `rule_error(("measures", 1, "field"),
...)` carries the rest in the error's context, and the loader appends it to the field path.
"""

from __future__ import annotations

from pydantic_core import PydanticCustomError

__all__ = ["RULE_ERROR_TYPE", "rule_error"]

RULE_ERROR_TYPE = "dataset_rule"


def rule_error(at: tuple[str | int, ...], message: str) -> PydanticCustomError:
    """An error for the field path `at` below the validated field (braces in `message` kept)."""
    return PydanticCustomError(RULE_ERROR_TYPE, "{message}", {"message": message, "at": list(at)})
