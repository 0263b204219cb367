"""One series' model: every measure seen five ways, calibrated to its own records, explained.

The work is done by `detectors.series_kernel` on a one-row `SeriesBank`, so the backtest, the
worker and the benchmarks run the same compiled code whether they hold one series or 100,000.
`SeriesModel` also speaks the detector contract (`learn_one`, `score_one`, `process_many`,
state), for points without an event time (taken one minute apart).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Self

import numpy as np

from dexwatch.detectors.base import DetectorBase, Features, Score, check_features
from dexwatch.detectors.series_bank import SeriesBank, empty_state, read_state
from dexwatch.detectors.series_layout import CLOCK_HAS_LAST, CLOCK_LAST_AT, CLOCK_USUAL_STEP
from dexwatch.detectors.series_settings import SeriesModelSettings
from dexwatch.detectors.verdict import MeasureMove, Verdict
from dexwatch.schemas.errors import DetectorInputError

__all__ = [
    "DETECTOR_VERSION",
    "MeasureMove",
    "SeriesModel",
    "SeriesModelSettings",
    "Verdict",
    "epoch_seconds",
]

DETECTOR_VERSION = "surprise-records-11"

_IMPLICIT_STEP_S = 60.0


def epoch_seconds(at: datetime) -> float:
    """Unix seconds of `at`; a naive time is taken as UTC (as NAB's files and most CSVs mean)."""
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp()


class SeriesModel(DetectorBase):
    """Scores each point of one series against what it has learnt, then learns the point."""

    def __init__(self, settings: SeriesModelSettings | None = None) -> None:
        self.settings = settings if settings is not None else SeriesModelSettings()
        self._bank: SeriesBank | None = None  # made by the first point: it fixes the measures

    @property
    def measures(self) -> tuple[str, ...] | None:
        """The input measures, fixed by the first point."""
        return self._bank.inputs if self._bank is not None else None

    @property
    def points_seen(self) -> int:
        return self._bank.points_seen(0) if self._bank is not None else 0

    @property
    def warming_up(self) -> bool:
        return self.points_seen < self.settings.warmup

    def process(self, measures: Mapping[str, float], at: datetime) -> Verdict:
        """Score the point observed at `at` (event time) against the past, then learn it."""
        return self.process_points([(measures, at)])[0]

    def process_points(
        self, points: Sequence[tuple[Mapping[str, float], datetime | float]]
    ) -> list[Verdict]:
        """`process` for many points of this series in one compiled call, in order.

        A time is a `datetime` or Unix seconds.
        """
        if not points:
            return []
        bank = self._bank_for(points[0][0])
        inputs = np.array([self._row(measures, bank) for measures, _ in points], dtype=np.float64)
        seconds = [at if isinstance(at, float | int) else epoch_seconds(at) for _, at in points]
        for at in seconds:
            if not math.isfinite(at):
                raise DetectorInputError(f"time {at} is not a finite number of Unix seconds")
        times = np.array(seconds, dtype=np.float64)
        # `_row` checked every measure: the bank need not check them again.
        output = bank.process_checked(np.zeros(len(points), dtype=np.int64), times, inputs)
        values = bank.columns(inputs)
        return [bank.verdict(output, index, values[index]) for index in range(len(points))]

    # The detector contract, for points without event time.

    def score_one(self, x: Features) -> Score:
        check_features(x, self.measures)
        if self._bank is None:
            return Score(0.0, warming_up=True)
        saved = self.to_state()
        verdict = self.process_points([(x, self._next_time())])[0]
        self._bank.restore(0, saved)
        return Score(verdict.score, verdict.warming_up)

    def learn_one(self, x: Features) -> None:
        check_features(x, self.measures)
        self.process_points([(x, self._next_time())])

    def process_many(self, xs: Sequence[Features]) -> list[Score]:
        for x in xs:
            check_features(x, self.measures or tuple(xs[0]))
        times: list[tuple[Features, datetime | float]] = []
        at = self._next_time()
        for x in xs:
            times.append((x, at))
            at += _IMPLICIT_STEP_S
        return [Score(verdict.score, verdict.warming_up) for verdict in self.process_points(times)]

    def to_state(self) -> bytes:
        return self._bank.to_state(0) if self._bank is not None else empty_state(self.settings)

    @classmethod
    def from_state(cls, data: bytes) -> Self:
        settings, inputs, _ = read_state(data)
        model = cls(settings)
        if inputs:
            bank = model._bank = SeriesBank(settings, inputs, capacity=1)
            bank.add()
            bank.restore(0, data)
        return model

    def _bank_for(self, measures: Mapping[str, float]) -> SeriesBank:
        if self._bank is None:
            bank = SeriesBank(self.settings, tuple(measures), capacity=1)
            bank.add()
            self._bank = bank
        return self._bank

    def _row(self, measures: Mapping[str, float], bank: SeriesBank) -> list[float]:
        if measures.keys() != set(bank.inputs):
            raise DetectorInputError(
                f"this series has measures {list(bank.inputs)}, "
                f"but the event has {sorted(measures)}"
            )
        row = [measures[name] for name in bank.inputs]
        for name, value in zip(bank.inputs, row, strict=True):
            if not math.isfinite(value):
                raise DetectorInputError(f"measure {name!r} is {value}: only finite numbers")
        return row

    def _next_time(self) -> float:
        """Without event times, points are taken one minute after the last one."""
        if self._bank is None:
            return 0.0
        small = self._bank.row_clock(0)
        if small[CLOCK_HAS_LAST] == 0.0:
            return 0.0
        return float(small[CLOCK_LAST_AT] + (small[CLOCK_USUAL_STEP] or _IMPLICIT_STEP_S))
