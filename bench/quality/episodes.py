"""Alerts against labelled episodes, in time: what a person paged by the detector would see.

An episode is caught by an alert inside its window (both ends inclusive); the delay is from the
window's start to that first alert. Alerts outside every window are false alarms, and alerts
less than 6 hours apart are one episode (one page, not fifty), so a rate per 30 days says how
often someone would be woken for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dexwatch.detectors.evaluation.labels import TimeWindow

__all__ = [
    "EPISODE_GAP",
    "RATE_DAYS",
    "Episode",
    "alert_episodes",
    "judge_windows",
    "outside_windows",
    "per_30_days",
]

EPISODE_GAP = timedelta(hours=6)
RATE_DAYS = 30


def alert_episodes(
    alerts: Iterable[datetime], gap: timedelta = EPISODE_GAP
) -> list[tuple[datetime, datetime]]:
    """Alerts in time order, each less than `gap` after the one before joining its episode.

    Chained: alerts every hour for two days are one episode. Returns (first, last) alert times.
    """
    episodes: list[tuple[datetime, datetime]] = []
    for at in sorted(alerts):
        if episodes and at - episodes[-1][1] < gap:
            episodes[-1] = (episodes[-1][0], at)
        else:
            episodes.append((at, at))
    return episodes


def per_30_days(count: int, span: timedelta) -> float | None:
    """`count` over a span scaled to 30 days; None when the span is empty (no rate exists)."""
    if span <= timedelta(0):
        return None
    return count * RATE_DAYS / (span / timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Episode:
    """A labelled window and the first alert inside it, if any."""

    window: TimeWindow
    first_alert: datetime | None

    @property
    def caught(self) -> bool:
        return self.first_alert is not None

    @property
    def delay(self) -> timedelta | None:
        """From the window's start to its first alert; None if it was missed."""
        if self.first_alert is None:
            return None
        return self.first_alert - self.window[0]

    @property
    def hours(self) -> float | None:
        """`delay` in hours."""
        delay = self.delay
        return None if delay is None else delay / timedelta(hours=1)


def _inside(at: datetime, window: TimeWindow) -> bool:
    return window[0] <= at <= window[1]


def judge_windows(windows: Sequence[TimeWindow], alerts: Sequence[datetime]) -> list[Episode]:
    """Each window, in the given order, with its earliest alert inside it."""
    episodes = []
    for window in windows:
        hits = [at for at in alerts if _inside(at, window)]
        episodes.append(Episode(window, min(hits) if hits else None))
    return episodes


def outside_windows(alerts: Iterable[datetime], windows: Sequence[TimeWindow]) -> list[datetime]:
    """The alerts that fall in no window: the raw material of false alarms."""
    return [at for at in alerts if not any(_inside(at, window) for window in windows)]
