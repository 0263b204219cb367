"""The series a dataset knows: the cardinality guard, and which of them went quiet ("no data").

Bounded: one small record per admitted series (at most `max_series`), whatever the traffic.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dexwatch.streams.aggregation.interval_outputs import NoDataInterval

__all__ = ["SeriesRecord", "SeriesTracker", "from_micros"]

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_micros(time_us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=time_us)


@dataclass(slots=True)
class SeriesRecord:
    dimensions: dict[str, str]
    last_data_us: int | None = None  # start of the last closed interval that had data
    missing: int = 0  # consecutive no-data intervals emitted since then


class SeriesTracker:
    """`no_data_limit`: None for no no-data signals, else at most this many in a row."""

    def __init__(
        self, dataset: str, max_series: int, step_us: int, no_data_limit: int | None
    ) -> None:
        self.dataset = dataset
        self.max_series = max_series
        self.step_us = step_us
        self.no_data_limit = no_data_limit
        self.records: dict[str, SeriesRecord] = {}
        self._watched: set[str] = set()  # may still produce no-data signals
        self._limit_logged = False

    def admit(self, series: str, dimensions: dict[str, str]) -> bool:
        """True if `series` is known or fits under the guard (it is then known)."""
        if series in self.records:
            return True
        if len(self.records) >= self.max_series:
            if not self._limit_logged:
                log.warning(
                    "dataset %s: cardinality guard: %d series reached; events of new series are "
                    "rejected as series_limit (raise max_series if this is expected)",
                    self.dataset,
                    self.max_series,
                )
                self._limit_logged = True
            return False
        self.records[series] = SeriesRecord(dimensions)
        return True

    def had_data(self, series: str, start_us: int) -> list[NoDataInterval]:
        """The interval at `start_us` closed with data: missing ones before it, then reset."""
        missing = self.missing_until(series, start_us)
        record = self.records[series]
        record.last_data_us, record.missing = start_us, 0
        if self.no_data_limit is not None:
            self._watched.add(series)
        return missing

    def catch_up(self, until_us: int, among: Iterable[str]) -> list[NoDataInterval]:
        """No-data signals of the watched series `among` for intervals ending by `until_us`."""
        signals: list[NoDataInterval] = []
        for series in among:
            if series in self._watched:
                signals += self.missing_until(series, until_us)
        return signals

    def missing_until(self, series: str, until_us: int) -> list[NoDataInterval]:
        limit = self.no_data_limit
        record = self.records[series]
        if limit is None or record.last_data_us is None:
            return []
        signals = []
        start = record.last_data_us + self.step_us * (record.missing + 1)
        while record.missing < limit and start + self.step_us <= until_us:
            record.missing += 1
            signals.append(
                NoDataInterval(
                    series=series,
                    dimensions=record.dimensions,
                    start=from_micros(start),
                    end=from_micros(start + self.step_us),
                    missing=record.missing,
                )
            )
            start += self.step_us
        if record.missing >= limit:
            self._watched.discard(series)
        return signals

    def restore(self, records: dict[str, SeriesRecord]) -> None:
        self.records = records
        limit = self.no_data_limit
        self._watched = {
            series
            for series, record in records.items()
            if limit is not None and record.last_data_us is not None and record.missing < limit
        }
