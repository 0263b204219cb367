"""The detector contract: river's `learn_one`/`score_one`, plus an explicit warm-up state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["Detector", "Features", "Score"]

Features = Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Score:
    """A raw score in [0, 1] (higher is more unusual) and whether the model may be trusted yet.

    River's Half-Space Trees score 0 for their whole first window, which reads as "normal";
    `warming_up` says instead that the model has not seen enough to say anything.
    """

    value: float
    warming_up: bool


@runtime_checkable
class Detector(Protocol):
    """An online model of one series. Score a point first, then learn it (no look-ahead)."""

    @property
    def warming_up(self) -> bool: ...

    def learn_one(self, x: Features) -> None: ...

    def score_one(self, x: Features) -> Score: ...
