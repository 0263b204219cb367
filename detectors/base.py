"""The detector contract: river's `learn_one`/`score_one`, plus warm-up, batches and state.

Every detector in this package implements `Detector`. Most inherit `DetectorBase`, which gives
river-style `clone()` (every `__init__` argument is kept under the same attribute name), a
batch form, input checking, and state round trips through `detectors.state_codec`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, Self, runtime_checkable

from dexwatch.schemas.errors import DetectorInputError

__all__ = ["Detector", "DetectorBase", "Features", "Score", "check_features", "process_batch"]

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

    def process_many(self, xs: Sequence[Features]) -> list[Score]:
        """Score then learn each point in order: the same as a loop, often much faster."""
        ...

    def clone(self) -> Self:
        """A fresh, untrained detector with the same parameters."""
        ...

    def to_state(self) -> bytes:
        """Everything learnt, in the compact versioned format of `detectors.state_codec`."""
        ...

    @classmethod
    def from_state(cls, data: bytes) -> Self:
        """The detector `to_state()` saved; its next scores are identical to the original's."""
        ...


def check_features(x: Features, expected: Iterable[str] | None) -> None:
    """Refuse NaN, infinities and a feature set other than `expected` (when one is fixed)."""
    for name, value in x.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise DetectorInputError(f"feature {name!r} is {type(value).__name__}, not a number")
        if not math.isfinite(value):
            raise DetectorInputError(f"feature {name!r} is {value}: only finite numbers are scored")
    if expected is not None:
        names = set(x)
        wanted = set(expected)
        if names != wanted:
            missing, extra = sorted(wanted - names), sorted(names - wanted)
            raise DetectorInputError(
                f"features differ from the ones this detector learnt: missing {missing}, "
                f"unexpected {extra}"
            )


class DetectorBase(ABC):
    """Shared behaviour: a default batch loop and `clone()`; subclasses do the rest."""

    @property
    @abstractmethod
    def warming_up(self) -> bool: ...

    @abstractmethod
    def learn_one(self, x: Features) -> None: ...

    @abstractmethod
    def score_one(self, x: Features) -> Score: ...

    def process_many(self, xs: Sequence[Features]) -> list[Score]:
        scores = []
        for x in xs:
            scores.append(self.score_one(x))
            self.learn_one(x)
        return scores

    def _params(self) -> dict[str, Any]:
        """The `__init__` arguments, read back from the attributes of the same names."""
        import inspect

        names = [
            name for name in inspect.signature(type(self).__init__).parameters if name != "self"
        ]
        return {name: getattr(self, name) for name in names}

    def clone(self) -> Self:
        return type(self)(**self._params())

    @abstractmethod
    def to_state(self) -> bytes: ...

    @classmethod
    @abstractmethod
    def from_state(cls, data: bytes) -> Self: ...


def process_batch(
    models: Mapping[str, Detector], batch: Sequence[tuple[str, Features]]
) -> list[Score]:
    """The batch form over many series: points grouped per series, order kept within each.

    Returns one score per input point, in input order.
    """
    positions: dict[str, list[int]] = {}
    for index, (series, _) in enumerate(batch):
        positions.setdefault(series, []).append(index)
    scores: list[Score | None] = [None] * len(batch)
    for series, indexes in positions.items():
        for index, score in zip(
            indexes, models[series].process_many([batch[i][1] for i in indexes]), strict=True
        ):
            scores[index] = score
    return [score for score in scores if score is not None]
