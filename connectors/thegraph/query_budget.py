"""A query budget per minute and per calendar month (UTC).

The free plan allows 100,000 queries a month; a connector in a retry storm could spend that in a
day. Past the minute's share we wait for the window to slide; past the month's we stop with a
clear error rather than spend money or be cut off. The month's count is kept in the checkpoint
so a restart does not reset it.
"""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime

from dexwatch.connectors.thegraph.clock import Clock
from dexwatch.connectors.thegraph.errors import BudgetExhaustedError

__all__ = ["QueryBudget", "month_of"]

_MINUTE_S = 60.0


def month_of(timestamp: float) -> str:
    """The calendar month (UTC) of a Unix time, e.g. `2026-01`."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m")


class QueryBudget:
    """Counts queries; `spend()` waits for the minute's window or raises for the month."""

    def __init__(
        self,
        per_minute: int,
        per_month: int,
        clock: Clock,
        *,
        month: str | None = None,
        used_this_month: int = 0,
    ) -> None:
        self.per_minute = per_minute
        self.per_month = per_month
        self._clock = clock
        self.month = month if month is not None else month_of(clock.now())
        self.used_this_month = used_this_month
        self._recent: deque[float] = deque()
        self.waited_s = 0.0

    @property
    def remaining_this_month(self) -> int:
        self._roll_month()
        return max(0, self.per_month - self.used_this_month)

    @property
    def remaining_this_minute(self) -> int:
        self._forget_old(self._clock.now())
        return max(0, self.per_minute - len(self._recent))

    async def spend(self) -> None:
        """Account for one query about to be sent."""
        if self.remaining_this_month <= 0:
            raise BudgetExhaustedError(
                f"the monthly query budget of {self.per_month} is spent ({self.month}); "
                "raise --queries-per-month if your plan allows, or wait for next month"
            )
        while True:
            now = self._clock.now()
            self._forget_old(now)
            if len(self._recent) < self.per_minute:
                break
            wait = self._recent[0] + _MINUTE_S - now
            self.waited_s += wait
            await self._clock.sleep(wait)
        self._recent.append(self._clock.now())
        self.used_this_month += 1

    def _forget_old(self, now: float) -> None:
        while self._recent and self._recent[0] <= now - _MINUTE_S:
            self._recent.popleft()

    def _roll_month(self) -> None:
        month = month_of(self._clock.now())
        if month != self.month:
            self.month = month
            self.used_this_month = 0
