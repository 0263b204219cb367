"""One series' anomaly episodes: which points a retrain may learn, and when drift must wait.

Drift never absorbs an anomaly. An episode is a run of anomalous points less than the hold
apart; the normal-looking points between them belong to it (a depeg is not flagged on every
interval). Anomalous points are never kept for a retrain. Normal points that follow an
anomaly wait in `pending` until the hold has passed without another one: then they are
normal and join the recent points; another anomaly first and they are dropped as part of the
episode. Drift actions are held on an anomalous point and within the hold after one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from dexwatch.streams.drift.recent_points import RecentPoints

__all__ = ["AnomalyHold", "HoldReason"]

# "anomaly": the point at hand is anomalous; "hold": within the hold after the last one.
HoldReason = Literal["anomaly", "hold"]


class AnomalyHold:
    """Routes one series' points into its `RecentPoints` and says when drift actions wait."""

    def __init__(self, hold_seconds: float, capacity: int) -> None:
        if hold_seconds < 0:
            raise ValueError(f"the hold cannot be negative, got {hold_seconds}")
        self.hold_seconds = hold_seconds
        self.capacity = capacity
        self.last_anomaly_at: float | None = None
        self.episode_started_at: float | None = None  # the latest episode's first anomaly
        self.pending: RecentPoints | None = None  # allocated only while an episode is open
        self._held_counted = False

    def is_open(self, at: float) -> bool:
        """Whether a point at `at` falls within the hold after the last anomalous point."""
        last = self.last_anomaly_at
        return last is not None and at - last < self.hold_seconds

    def observe(
        self, measures: Mapping[str, float], at: float, anomalous: bool, recent: RecentPoints
    ) -> HoldReason | None:
        """Route one point (points in time order); why drift actions wait at it, or None."""
        if anomalous:
            if not self.is_open(at):
                self.episode_started_at = at
                self._held_counted = False
            self.last_anomaly_at = at
            if self.pending is not None:
                self.pending.clear()  # the episode's points, not normal ones
            return "anomaly"
        if self.is_open(at):
            if self.pending is None:
                self.pending = RecentPoints(self.capacity)
            self.pending.append(measures, at)
            return "hold"
        if self.pending is not None:
            for kept, kept_at in self.pending.points():
                recent.append(kept, kept_at)
            self.pending = None
        recent.append(measures, at)
        return None

    def first_held(self) -> bool:
        """True once per episode: the first held decision is counted, its repeats are not."""
        if self._held_counted:
            return False
        self._held_counted = True
        return True
