"""The DeFi corpus's figures per file and summed: episodes caught, delays, false alarms.

A file listed in `windows.json` is labelled (an empty list: no episode, every alert is a false
alarm). A file absent from it is unlabelled: its alert episodes are counted apart and never as
false alarms, since nobody knows whether they were.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bench.quality.episodes import (
    Episode,
    alert_episodes,
    judge_windows,
    outside_windows,
    per_30_days,
)
from dexwatch.detectors.evaluation.labels import TimeWindow

__all__ = ["DexFile", "DexTotals"]


@dataclass(frozen=True, slots=True)
class DexFile:
    key: str
    rows: int
    no_verdict: int
    span: timedelta
    labelled: bool
    episodes: tuple[Episode, ...]
    alarm_episodes: int
    """Labelled: false-alarm episodes (alerts outside every window). Unlabelled: all alerts'."""

    @classmethod
    def judge(
        cls,
        key: str,
        *,
        rows: int,
        no_verdict: int,
        span: timedelta,
        alerts: Sequence[datetime],
        windows: Sequence[TimeWindow] | None,
    ) -> DexFile:
        """`windows` None means unlabelled."""
        if windows is None:
            return cls(key, rows, no_verdict, span, False, (), len(alert_episodes(alerts)))
        episodes = tuple(judge_windows(windows, alerts))
        false_alarms = len(alert_episodes(outside_windows(alerts, windows)))
        return cls(key, rows, no_verdict, span, True, episodes, false_alarms)

    @property
    def caught(self) -> int:
        return sum(episode.caught for episode in self.episodes)

    @property
    def alarms_per_30_days(self) -> float | None:
        return per_30_days(self.alarm_episodes, self.span)


@dataclass(frozen=True, slots=True)
class DexTotals:
    """A set of files summed; rates are over their summed spans, not averages of rates."""

    files: int
    rows: int
    no_verdict: int
    episodes: int
    caught: int
    hours: tuple[float, ...]
    false_alarms: int
    labelled_span: timedelta
    unlabelled_files: int
    unlabelled_episodes: int
    unlabelled_span: timedelta

    @classmethod
    def of(cls, files: Sequence[DexFile]) -> DexTotals:
        labelled = [file for file in files if file.labelled]
        unlabelled = [file for file in files if not file.labelled]
        return cls(
            files=len(files),
            rows=sum(file.rows for file in files),
            no_verdict=sum(file.no_verdict for file in files),
            episodes=sum(len(file.episodes) for file in labelled),
            caught=sum(file.caught for file in labelled),
            hours=tuple(
                hours
                for file in labelled
                for hours in (episode.hours for episode in file.episodes)
                if hours is not None
            ),
            false_alarms=sum(file.alarm_episodes for file in labelled),
            labelled_span=sum((file.span for file in labelled), timedelta(0)),
            unlabelled_files=len(unlabelled),
            unlabelled_episodes=sum(file.alarm_episodes for file in unlabelled),
            unlabelled_span=sum((file.span for file in unlabelled), timedelta(0)),
        )

    @property
    def false_alarms_per_30_days(self) -> float | None:
        return per_30_days(self.false_alarms, self.labelled_span)

    @property
    def unlabelled_per_30_days(self) -> float | None:
        return per_30_days(self.unlabelled_episodes, self.unlabelled_span)

    @property
    def median_hours(self) -> float | None:
        return statistics.median(self.hours) if self.hours else None

    @property
    def mean_hours(self) -> float | None:
        return statistics.fmean(self.hours) if self.hours else None
