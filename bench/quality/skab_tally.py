"""SKAB's figures per file and summed: labelled episodes caught, seconds to the first alert, and
false alarms counted both as alert points and as alert episodes.

An episode is a maximal run of rows labelled `anomaly` 1, as the time span from its first row
to its last; an alert inside it (both ends inclusive) catches it. Alerts outside every episode
are false alarms.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bench.quality.episodes import Episode, alert_episodes, judge_windows, outside_windows
from dexwatch.detectors.evaluation.labels import TimeWindow

__all__ = ["EPISODE_GAP", "SkabFile", "SkabTotals"]

# SKAB's files are about 20 minutes of 1-second rows: the DeFi corpus's 6-hour gap would make
# every file's false alarms one episode. A minute apart is a fresh page to whoever is watching.
EPISODE_GAP = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class SkabFile:
    key: str
    """`folder/file.csv`, e.g. `valve1/0.csv`."""
    rows: int
    no_verdict: int
    episodes: tuple[Episode, ...]
    false_alarm_points: int
    false_alarm_episodes: int

    @classmethod
    def judge(
        cls,
        key: str,
        *,
        rows: int,
        no_verdict: int,
        alerts: Sequence[datetime],
        windows: Sequence[TimeWindow],
    ) -> SkabFile:
        false_alarms = outside_windows(alerts, windows)
        return cls(
            key,
            rows,
            no_verdict,
            tuple(judge_windows(windows, alerts)),
            len(false_alarms),
            len(alert_episodes(false_alarms, EPISODE_GAP)),
        )

    @property
    def folder(self) -> str:
        return self.key.partition("/")[0]

    @property
    def caught(self) -> int:
        return sum(episode.caught for episode in self.episodes)

    @property
    def seconds(self) -> tuple[float | None, ...]:
        """Each episode's delay to its first alert, in label order; None for a missed one."""
        return tuple(
            None if episode.delay is None else episode.delay.total_seconds()
            for episode in self.episodes
        )


@dataclass(frozen=True, slots=True)
class SkabTotals:
    """A set of files summed: `name` is `all` or a folder."""

    name: str
    files: int
    rows: int
    no_verdict: int
    episodes: int
    caught: int
    seconds: tuple[float, ...]
    """Delays of the caught episodes."""
    false_alarm_points: int
    false_alarm_episodes: int

    @classmethod
    def of(cls, name: str, files: Sequence[SkabFile]) -> SkabTotals:
        return cls(
            name=name,
            files=len(files),
            rows=sum(file.rows for file in files),
            no_verdict=sum(file.no_verdict for file in files),
            episodes=sum(len(file.episodes) for file in files),
            caught=sum(file.caught for file in files),
            seconds=tuple(
                seconds for file in files for seconds in file.seconds if seconds is not None
            ),
            false_alarm_points=sum(file.false_alarm_points for file in files),
            false_alarm_episodes=sum(file.false_alarm_episodes for file in files),
        )

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def mean_seconds(self) -> float | None:
        return statistics.fmean(self.seconds) if self.seconds else None
