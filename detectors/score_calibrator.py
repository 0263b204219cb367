"""How unusual is this raw score for this series, judged against its own recent scores?"""

from __future__ import annotations

import bisect
from collections import deque

__all__ = ["ScoreCalibrator"]


class ScoreCalibrator:
    """The empirical CDF of the last `window` raw scores: 0.99 means higher than 99% of them.

    Raw Half-Space-Trees scores mean little across series (a quiet series and a noisy one
    sit at different levels); their rank within the series' own history does.
    """

    def __init__(self, window: int = 500, min_history: int = 100) -> None:
        self.window = window
        self.min_history = min_history
        self._recent: deque[float] = deque()
        self._sorted: list[float] = []

    @property
    def ready(self) -> bool:
        return len(self._recent) >= self.min_history

    def tail(self, raw: float) -> float:
        """The share of recent scores strictly below `raw`; 0.0 until `ready`."""
        if not self.ready:
            return 0.0
        return bisect.bisect_left(self._sorted, raw) / len(self._sorted)

    def learn(self, raw: float) -> None:
        self._recent.append(raw)
        bisect.insort(self._sorted, raw)
        if len(self._recent) > self.window:
            oldest = self._recent.popleft()
            del self._sorted[bisect.bisect_left(self._sorted, oldest)]
