"""`Pacer`: hold a producing loop to a schedule, so simulated or replayed time runs at a set speed.

Each item is due at an offset (seconds of wall time) from the first call; the pacer sleeps until
then. A slow item is caught up, not carried over: lateness never accumulates. The clock and the
sleep are injectable, so tests check the schedule on a fake clock instead of timing real sleeps.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Pacer"]


class Pacer:
    """Sleeps until `offset_s` after the first `wait_until` call (or not at all, when late)."""

    def __init__(
        self,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        # Looked up now, not at import: tests may have replaced `time.monotonic` and `time.sleep`.
        self._clock = clock if clock is not None else time.monotonic
        self._sleep = sleep if sleep is not None else time.sleep
        self._began: float | None = None

    def now(self) -> float:
        """The pacer's clock (seconds, monotonic)."""
        return self._clock()

    def elapsed(self) -> float:
        """Seconds since the first `wait_until` (0 before it)."""
        return 0.0 if self._began is None else self._clock() - self._began

    def wait_until(self, offset_s: float) -> None:
        """Return when `offset_s` seconds have passed since the first call."""
        now = self._clock()
        if self._began is None:
            self._began = now
        delay = self._began + offset_s - now
        if delay > 0:
            self._sleep(delay)
