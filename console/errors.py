"""The console's errors, under dexwatch's one root."""

from __future__ import annotations

from dexwatch.schemas.errors import DexwatchError

__all__ = ["BadParameter", "ConsoleError", "NotFound"]


class ConsoleError(DexwatchError):
    """Something the console could not do."""


class BadParameter(ConsoleError, ValueError):
    """A request parameter is missing or invalid: answered 400, naming it."""

    def __init__(self, parameter: str, problem: str) -> None:
        super().__init__(f"{parameter}: {problem}")
        self.parameter = parameter
        self.problem = problem


class NotFound(ConsoleError, LookupError):
    """What the request names is not in the store: answered 404."""
