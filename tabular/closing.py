"""A resource used as a context manager: leaving the `with` block closes it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

__all__ = ["Closing"]


class Closing(ABC):
    """`with resource:` calls `resource.close()` on the way out, whether or not it raised."""

    @abstractmethod
    def close(self) -> None:
        """Release what the resource holds (a file, a consumer)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
