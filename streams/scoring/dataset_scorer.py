"""One dataset's series models: a `SeriesBank` per measure set, scoring intervals in batches.

Closed intervals from a whole batch of records are scored in one compiled call per bank, so
the per-record cost of Python stays small. A series keeps the measure set of its first
interval; an interval that lacks a measure its series has (an `avg` or `last` nothing fed)
carries the previous value forward, as a level does between observations.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dexwatch.detectors.series_bank import SeriesBank
from dexwatch.detectors.series_layout import CLOCK_HAS_LAST, CLOCK_LAST_AT
from dexwatch.detectors.series_settings import SeriesModelSettings
from dexwatch.detectors.verdict import Verdict
from dexwatch.schemas.errors import DetectorInputError, StateFormatError
from dexwatch.streams.aggregation import ClosedInterval
from dexwatch.streams.scoring.series_rules import SeriesRules
from dexwatch.streams.scoring.verdict_combining import combine_verdicts
from dexwatch.streams.snapshots.store import Snapshot

__all__ = ["DatasetScorer", "ScoredInterval", "UnscoredInterval"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScoredInterval:
    interval: ClosedInterval
    verdict: Verdict
    snapshot_version: int
    inputs: tuple[float, ...] = ()  # the values scored, in the model's measure order
    bands: tuple[tuple[float, float], ...] = ()  # each input's level band (NaN: none yet)


@dataclass(frozen=True, slots=True)
class UnscoredInterval:
    """An interval its series' model refused (a measure set other than the series has)."""

    interval: ClosedInterval
    reason: str


@dataclass(slots=True)
class _Series:
    bank: SeriesBank
    row: int
    last_values: list[float]  # NaN: no value yet
    snapshot_version: int = 0
    rules: SeriesRules | None = None
    # After a restore: the snapshot's last point time. Points up to it are records read again
    # after a crash (the model learnt them before its snapshot): not judged nor learnt twice.
    learnt_until: float | None = None


class DatasetScorer:
    """Series models of one dataset, created on first sight (the aggregator guards cardinality)."""

    def __init__(
        self,
        settings: SeriesModelSettings,
        *,
        carry_forward: bool = True,
        restore: Callable[[str], Snapshot | None] | None = None,
        rules: Callable[[], SeriesRules] | None = None,
    ) -> None:
        """`carry_forward`: fill a measure an interval lacks with its last value (declared
        measures); off, an event must carry exactly its series' measures (`measures: '*'`).
        `restore(series)`: the series' latest snapshot, looked up when it is first seen.
        `rules()`: a new series' rules, judged on the model's values and combined with its
        verdict (`verdict_combining.py`); they are not in snapshots, so they start afresh."""
        self.settings = settings
        self.carry_forward = carry_forward
        self.restore = restore
        self.rules = rules
        self._banks: dict[tuple[str, ...], SeriesBank] = {}
        self._series: dict[str, _Series] = {}
        self.snapshots_refused = 0
        """Series whose snapshot could not be restored, so far: they started afresh."""

    @property
    def series_count(self) -> int:
        return len(self._series)

    @property
    def warming_count(self) -> int:
        """Series not yet at full sensitivity (see `SeriesBank.warming_count`)."""
        return sum(bank.warming_count() for bank in self._banks.values())

    @property
    def nbytes(self) -> int:
        """Bytes of model state held (the banks' rows in use)."""
        return sum(bank.nbytes for bank in self._banks.values())

    def score(self, intervals: Sequence[ClosedInterval]) -> list[ScoredInterval | UnscoredInterval]:
        """Score then learn each interval, in order within each series; results in input order."""
        results: list[ScoredInterval | UnscoredInterval | None] = [None] * len(intervals)
        planned: dict[int, list[tuple[int, _Series, list[float]]]] = {}
        for index, interval in enumerate(intervals):
            try:
                series = self._series_for(interval)
                values = self._values(series, interval)
            except DetectorInputError as error:
                results[index] = UnscoredInterval(interval, str(error))
                continue
            if series.learnt_until is not None:
                if interval.start.timestamp() <= series.learnt_until:
                    results[index] = self._score_again(series, interval, values)
                    continue
                series.learnt_until = None
            planned.setdefault(id(series.bank), []).append((index, series, values))
        for points in planned.values():
            bank = points[0][1].bank
            rows = np.fromiter((series.row for _, series, _ in points), np.int64, len(points))
            times = np.fromiter(
                (intervals[index].start.timestamp() for index, _, _ in points),
                np.float64,
                len(points),
            )
            inputs = np.array([values for _, _, values in points], dtype=np.float64)
            output = bank.process(rows, times, inputs)
            columns = bank.columns(inputs)
            for position, (index, series, values) in enumerate(points):
                verdict = bank.verdict(output, position, columns[position])
                if series.rules is not None:
                    found = series.rules.judge(dict(zip(bank.inputs, values, strict=True)))
                    verdict = combine_verdicts(verdict, found)
                results[index] = ScoredInterval(
                    intervals[index],
                    verdict,
                    series.snapshot_version,
                    tuple(values),
                    bank.level_bands(output, position),
                )
        return [result for result in results if result is not None]

    def _score_again(
        self, series: _Series, interval: ClosedInterval, values: list[float]
    ) -> ScoredInterval:
        """A point the model learnt before its snapshot: it was judged then (an anomaly it
        raised went out under the same id), and judging it again against the model it has
        since become would call old, ordinary points new anomalies. It gets no verdict, and the
        model does not learn it twice."""
        verdict = Verdict(0.0, 0, False, True, ())
        return ScoredInterval(interval, verdict, series.snapshot_version, tuple(values))

    def _series_for(self, interval: ClosedInterval) -> _Series:
        series = self._series.get(interval.series)
        if series is not None:
            return series
        names = tuple(sorted(interval.measures))
        if not names:
            raise DetectorInputError("the interval has no measure to score")
        bank = self._banks.get(names)
        if bank is None:
            bank = self._banks[names] = SeriesBank(self.settings, names)
        series = _Series(bank, bank.add(), [math.nan] * len(names))
        if self.rules is not None:
            series.rules = self.rules()
        self._series[interval.series] = series
        snapshot = self.restore(interval.series) if self.restore is not None else None
        if snapshot is not None:
            try:
                bank.restore(series.row, snapshot.state)
                series.snapshot_version = snapshot.version
                clock = bank.row_clock(series.row)
                if clock[CLOCK_HAS_LAST]:
                    series.learnt_until = float(clock[CLOCK_LAST_AT])
                series.last_values = [math.nan] * len(names)  # carried values restart here
            except StateFormatError as error:
                # Settings or measures changed since: a fresh model is the honest answer. After
                # a detector upgrade that is every series: one line says so, a metric counts.
                if not self.snapshots_refused:
                    log.warning(
                        "series %s starts afresh: its snapshot: %s. Every series whose snapshot "
                        "cannot be restored (detector settings or version changed since) starts "
                        "afresh too; they are counted in dexwatch_snapshots_refused_total, not "
                        "logged one by one",
                        interval.series,
                        error,
                    )
                self.snapshots_refused += 1
        return series

    def state_of(self, series: str) -> tuple[bytes, int, int] | None:
        """(state, points seen, snapshot version) for the snapshot about to be written."""
        held = self._series.get(series)
        if held is None:
            return None
        held.snapshot_version += 1
        return held.bank.to_state(held.row), held.bank.points_seen(held.row), held.snapshot_version

    def measures_of(self, series: str) -> tuple[str, ...]:
        """The input measures of a series' model, in its column order."""
        return self._series[series].bank.inputs

    def points_seen(self, series: str) -> int:
        held = self._series.get(series)
        return 0 if held is None else held.bank.points_seen(held.row)

    def replace_with_trained(self, series: str, times: np.ndarray, inputs: np.ndarray) -> None:
        """Retrain: a fresh model for `series` learns these points (oldest first) and takes
        over; the old row is left unused."""
        held = self._series[series]
        bank = held.bank
        row = bank.add()
        bank.process(np.full(len(times), row, dtype=np.int64), times, inputs)
        held.row = row

    def replace_with_state(self, series: str, state: bytes) -> None:
        """Rollback: `series` goes back to an earlier snapshot's model."""
        held = self._series[series]
        held.bank.restore(held.row, state)

    def forget(self, series: str) -> None:
        """Drop a series another worker now owns (its bank row is left unused)."""
        self._series.pop(series, None)

    def _values(self, series: _Series, interval: ClosedInterval) -> list[float]:
        names = series.bank.inputs
        measures = interval.measures
        if len(measures) == len(names):  # the usual case: exactly the series' measures
            try:
                values = [measures[name] for name in names]
            except KeyError:
                pass
            else:
                series.last_values = values
                return values
        unknown = measures.keys() - set(names)
        if unknown or not self.carry_forward:
            raise DetectorInputError(
                f"this series has measures {list(names)}, but the event has {sorted(measures)}"
            )
        values = [
            measures.get(name, last) for name, last in zip(names, series.last_values, strict=True)
        ]
        series.last_values = values
        missing = [name for name, value in zip(names, values, strict=True) if math.isnan(value)]
        if missing:
            raise DetectorInputError(f"no value yet for measure(s) {missing}")
        return values
