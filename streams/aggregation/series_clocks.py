"""Event time per series: each series' own watermark, the dataset's frontier, and idleness.

A series' watermark is its newest event time minus the allowed lateness (aligned down to an
interval): its intervals ending by it are closed, and a point of its own older than that is
late. Another series being ahead changes nothing, so a connector that sends pool after pool,
a replay and a producer catching up are all on time.

The dataset's frontier is the newest event time of any series. A series is idle once the
frontier has moved `idle_timeout` past where it stood when that series' own time last moved on
(a series whose clock stands still is as good as silent):
it then closes what it holds and, with no-data signals on, misses intervals as the frontier
moves on (`IntervalAggregator`). Idleness is measured in event time, never on a wall clock,
so a replay or a re-read after a crash closes the same intervals as the live run did.

Everything here is O(1) per event: hearing a series moves it to the back of an ordered dict,
whose front is then the series heard longest ago (the frontier it was heard at never goes
back); the low watermark (the smallest watermark of the series that are not idle: what a
commit mark may vouch for) is the smallest of their watermarks, counted per value (series
close in step, so the values are few) and kept in a heap whose stale entries drop lazily.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["SeriesClock", "SeriesClocks"]


@dataclass(slots=True)
class SeriesClock:
    max_us: int  # the series' newest event time
    closed_us: int  # its intervals ending by this are closed (its watermark)
    heard_us: int  # the dataset's frontier when its own time last moved on


class SeriesClocks:
    def __init__(self, step_us: int, lateness_us: int, idle_us: int) -> None:
        self.step_us = step_us
        self.lateness_us = lateness_us
        self.idle_us = idle_us
        self.frontier_us: int | None = None
        self.clocks: dict[str, SeriesClock] = {}
        self.idle: set[str] = set()
        self._heard: OrderedDict[str, None] = OrderedDict()  # not idle, heard longest ago first
        # How many series that are not idle have each watermark, and those watermarks as a
        # heap (stale ones dropped lazily): series close in step, so there are few of them.
        self._at: dict[int, int] = {}
        self._low: list[int] = []

    def closed_us(self, series: str) -> int | None:
        clock = self.clocks.get(series)
        return None if clock is None else clock.closed_us

    def horizon(self, time_us: int) -> int:
        """The watermark a series whose newest event is at `time_us` has."""
        watermark = time_us - self.lateness_us
        return watermark - watermark % self.step_us

    def hear(self, series: str, time_us: int, *, move_frontier: bool = True) -> tuple[bool, bool]:
        """An event of `series` at `time_us`: whether its own time and the frontier moved on."""
        frontier = self.frontier_us
        moved_frontier = move_frontier and (frontier is None or time_us > frontier)
        if moved_frontier:
            frontier = self.frontier_us = time_us
        heard = time_us if frontier is None else frontier
        clock = self.clocks.get(series)
        if clock is None:
            clock = self.clocks[series] = SeriesClock(time_us, self.horizon(time_us), heard)
            self._count(clock.closed_us, 1)
            moved = True
        else:
            moved = time_us > clock.max_us
            if moved:
                clock.max_us = time_us
            elif series not in self.idle:
                # Its own time stands still (a frozen clock, or out of order within the
                # lateness): not a sign of life, or a stuck series would never go idle.
                return moved, moved_frontier
            clock.heard_us = heard
        if series in self.idle:
            self.idle.discard(series)
            self._count(clock.closed_us, 1)
        self._heard[series] = None
        self._heard.move_to_end(series)
        return moved, moved_frontier

    def close(self, series: str, closed_us: int) -> None:
        """`series`' intervals ending by `closed_us` are closed (a lower value changes nothing)."""
        clock = self.clocks[series]
        if closed_us > clock.closed_us:
            if series not in self.idle:
                self._count(clock.closed_us, -1)
                self._count(closed_us, 1)
            clock.closed_us = closed_us

    def newly_idle(self) -> list[str]:
        """The series that have just become idle (the frontier moved on without them)."""
        frontier = self.frontier_us
        found: list[str] = []
        if frontier is None:
            return found
        heard = self._heard
        clocks = self.clocks
        while heard:
            series = next(iter(heard))
            if clocks[series].heard_us + self.idle_us > frontier:
                break
            del heard[series]
            self.idle.add(series)
            self._count(clocks[series].closed_us, -1)
            found.append(series)
        return found

    def dataset_horizon(self) -> int | None:
        """The watermark of a series keeping up with the frontier (what idle series miss to)."""
        return None if self.frontier_us is None else self.horizon(self.frontier_us)

    def low_watermark(self) -> int | None:
        """Every series that is not idle has closed its intervals ending by this. With every
        series idle (each closed all it held), the frontier's interval start."""
        low, at, clocks = self._low, self._at, self.clocks
        while low:
            if at.get(low[0]):
                return low[0]
            heapq.heappop(low)
        frontier = self.frontier_us
        if frontier is None or not clocks:
            return None
        return frontier - frontier % self.step_us

    def forget_all(self) -> None:
        """Event time starts again (every partition was revoked)."""
        self.frontier_us = None
        self.clocks = {}
        self.idle = set()
        self._heard = OrderedDict()
        self._at = {}
        self._low = []

    def restore(
        self, frontier_us: int | None, clocks: dict[str, SeriesClock], idle: Iterable[str]
    ) -> None:
        self.forget_all()
        self.frontier_us = frontier_us
        self.clocks = clocks
        self.idle = set(idle)
        for series, clock in sorted(clocks.items(), key=lambda item: item[1].heard_us):
            if series not in self.idle:
                self._heard[series] = None
                self._count(clock.closed_us, 1)

    def _count(self, closed_us: int, change: int) -> None:
        """One series that is not idle more (or fewer) with watermark `closed_us`."""
        count = self._at.get(closed_us, 0) + change
        if count:
            if count == change == 1:
                heapq.heappush(self._low, closed_us)
            self._at[closed_us] = count
        else:
            del self._at[closed_us]
