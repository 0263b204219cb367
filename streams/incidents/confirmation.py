"""N-of-M confirmation: a series alerts only when N of its last M windows were anomalous.

Windows are numbered in event time (window start // window length), so missing ones count as
normal. Each series keeps at most its last M anomalous window numbers, and `bound` keeps at
most a given number of series (the least recently anomalous are forgotten first).
"""

from __future__ import annotations

from dexwatch.streams.datasets.alerting_config import ConfirmationConfig

__all__ = ["Confirmation"]


class Confirmation:
    """Over `windows` (series -> anomalous window numbers), which the caller keeps as state."""

    def __init__(self, config: ConfirmationConfig, windows: dict[str, list[int]]) -> None:
        self.config = config
        self.windows = windows

    def record(self, series: str, window: int) -> bool:
        """Note that `series` was anomalous in `window`; whether that confirms it."""
        low = window - self.config.m  # windows above this are among the last M
        kept = sorted({w for w in (*self.windows.get(series, ()), window) if w > low})
        confirmed = sum(1 for w in kept if w <= window) >= self.config.n
        self.windows[series] = kept[-self.config.m :]
        return confirmed

    def forget_before(self, window: int) -> None:
        """Drop what can no longer count for windows from `window` on."""
        low = window - self.config.m
        for series in list(self.windows):
            kept = [w for w in self.windows[series] if w > low]
            if kept:
                self.windows[series] = kept
            else:
                del self.windows[series]

    def bound(self, limit: int) -> int:
        """Keep the `limit` most recently anomalous series; how many were forgotten."""
        excess = len(self.windows) - limit
        if excess <= 0:
            return 0
        # Least recent first; the key breaks ties so that a replay forgets the same ones.
        oldest = sorted(self.windows, key=lambda series: (self.windows[series][-1], series))
        for series in oldest[:excess]:
            del self.windows[series]
        return excess
