"""How one measure of one open interval accumulates its inputs, one small class per aggregation.

Each exports its state as a plain list (numbers, or texts for count_distinct) and is rebuilt
from it, so open intervals can be snapshotted without pickling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from dexwatch.streams.datasets.measure_spec import Aggregation

__all__ = ["ZERO_WHEN_EMPTY", "Accumulator", "AccumulatorState", "new_accumulator"]

AccumulatorState = list[float] | list[str]
# With no input in an interval these are 0 (an empty sum or count); the others are absent.
ZERO_WHEN_EMPTY: frozenset[Aggregation] = frozenset({"sum", "count", "count_distinct"})


class Accumulator(Protocol):
    def add(self, value: float | str, time_us: int) -> None: ...

    def result(self) -> float: ...

    def export(self) -> AccumulatorState: ...


class _Sum:
    __slots__ = ("total",)

    def __init__(self, state: Sequence[float | str] = (0.0,)) -> None:
        self.total = float(state[0])

    def add(self, value: float | str, time_us: int) -> None:
        self.total += float(value)

    def result(self) -> float:
        return self.total

    def export(self) -> AccumulatorState:
        return [self.total]


class _Count(_Sum):
    __slots__ = ()

    def add(self, value: float | str, time_us: int) -> None:
        self.total += 1.0


class _Average:
    __slots__ = ("count", "total")

    def __init__(self, state: Sequence[float | str] = (0.0, 0.0)) -> None:
        self.total, self.count = float(state[0]), float(state[1])

    def add(self, value: float | str, time_us: int) -> None:
        self.total += float(value)
        self.count += 1.0

    def result(self) -> float:
        return self.total / self.count

    def export(self) -> AccumulatorState:
        return [self.total, self.count]


class _Min:
    __slots__ = ("value",)

    def __init__(self, state: Sequence[float | str] = (float("inf"),)) -> None:
        self.value = float(state[0])

    def add(self, value: float | str, time_us: int) -> None:
        self.value = min(self.value, float(value))

    def result(self) -> float:
        return self.value

    def export(self) -> AccumulatorState:
        return [self.value]


class _Max(_Min):
    __slots__ = ()

    def __init__(self, state: Sequence[float | str] = (float("-inf"),)) -> None:
        super().__init__(state)

    def add(self, value: float | str, time_us: int) -> None:
        self.value = max(self.value, float(value))


class _Last:
    """The input with the latest event time (on a tie, the one that arrived last)."""

    __slots__ = ("time_us", "value")

    def __init__(self, state: Sequence[float | str] = (float("-inf"), 0.0)) -> None:
        self.time_us, self.value = float(state[0]), float(state[1])

    def add(self, value: float | str, time_us: int) -> None:
        if time_us >= self.time_us:
            self.time_us, self.value = float(time_us), float(value)

    def result(self) -> float:
        return self.value

    def export(self) -> AccumulatorState:
        return [self.time_us, self.value]


class _CountDistinct:
    __slots__ = ("seen",)

    def __init__(self, state: Sequence[float | str] = ()) -> None:
        self.seen = {str(item) for item in state}

    def add(self, value: float | str, time_us: int) -> None:
        self.seen.add(str(value))

    def result(self) -> float:
        return float(len(self.seen))

    def export(self) -> AccumulatorState:
        return sorted(self.seen)


_KINDS: dict[Aggregation, Callable[..., Accumulator]] = {
    "sum": _Sum,
    "count": _Count,
    "avg": _Average,
    "min": _Min,
    "max": _Max,
    "last": _Last,
    "count_distinct": _CountDistinct,
}


def new_accumulator(aggregation: Aggregation, state: AccumulatorState | None = None) -> Accumulator:
    """A fresh accumulator, or one rebuilt from what `export()` returned."""
    kind = _KINDS[aggregation]
    return kind() if state is None else kind(state)
