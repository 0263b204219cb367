"""Which series are still outside their band, from the scorer's statuses and the anomalies,
and from when an incident's series have all been quiet.

Each series has at most one `BandEntry` (kept by the caller in its state): the latest status
by event time, so a status or an anomaly that arrives after a newer one changes nothing (the
scorer sends statuses straight to the incidents agent, anomalies come through the anomalies
topic, and either may arrive first). An anomaly counts as "out" at its interval's end.

An incident's series are quiet since the latest of: its last anomalous interval's end, and for
each of its series with an entry, when it came back inside. A series heard "out" within
`stale_after` keeps the incident open; one unheard longer stopped reporting and is quiet since
it was last heard (the quiet rule, as for a series that never sent a status). Unheard also for
`STALE_WAIT_S` of wall clock: in a replay or a catch-up the dataset's clock runs hours ahead
of statuses still on their way.

Entries of series in no open incident and no pending anomaly are kept `UNLINKED_KEEP_S` of
wall clock after their last status (their anomaly may still be on its way), then dropped; and
at most `limit` entries are kept, the unlinked, the inside and the least recently heard going
first. A series whose entry is dropped is judged by the quiet rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from datetime import datetime

from dexwatch.streams.incidents.band_status import BandStatus, BandTiming
from dexwatch.streams.incidents.state import BandEntry

__all__ = ["STALE_WAIT_S", "UNLINKED_KEEP_S", "BandBook"]

UNLINKED_KEEP_S = 600.0  # the longest group_wait: an anomaly judged later still finds it
STALE_WAIT_S = 60.0


class BandBook:
    """Over `entries` (series -> its latest status), which the caller keeps as state."""

    def __init__(self, timing: BandTiming | None, entries: dict[str, BandEntry]) -> None:
        self.timing = timing
        self.entries = entries

    def note_status(self, status: BandStatus, now: float) -> None:
        """A status from the scorer (ignored when the entry already holds a newer one)."""
        entry = self.entries.get(status.series)
        if entry is not None and entry.at >= status.interval_end:
            return
        out = bool(status.out)
        if out:
            since = entry.since if entry is not None and entry.out else status.interval_end
        else:
            since = status.interval_start
        self.entries[status.series] = BandEntry(
            out=out, at=status.interval_end, since=since, arrival=now
        )

    def note_anomaly(self, series: str, interval_end: datetime, now: float) -> None:
        """An anomaly says its series was out at `interval_end`; only known series are noted
        (one without statuses is judged by its anomalies already)."""
        entry = self.entries.get(series)
        if entry is not None and entry.at < interval_end:
            since = entry.since if entry.out else interval_end
            self.entries[series] = BandEntry(out=True, at=interval_end, since=since, arrival=now)

    def quiet_since(
        self, series: Iterable[str], last_anomaly_end: datetime, moment: datetime, now: float
    ) -> datetime | None:
        """Since when `series` (an incident's) have all been quiet, as of event time `moment`
        and wall clock `now`; None while one of them is heard outside its band."""
        since = last_anomaly_end
        for name in series:
            entry = self.entries.get(name)
            if entry is None:
                continue
            if entry.out:
                heard = self.timing is not None and entry.at + self.timing.stale_after > moment
                if heard or now - entry.arrival < STALE_WAIT_S:
                    return None
                since = max(since, entry.at)
            else:
                since = max(since, entry.since)
        return since

    def prune(self, linked: Set[str], now: float) -> None:
        """Drop the entries of series in no open incident nor pending anomaly, once their
        anomaly had time to arrive."""
        for name in [s for s, e in self.entries.items() if s not in linked]:
            if now - self.entries[name].arrival >= UNLINKED_KEEP_S:
                del self.entries[name]

    def bound(self, limit: int, linked: Set[str]) -> int:
        """Keep at most `limit` entries; how many were dropped."""
        excess = len(self.entries) - limit
        if excess <= 0:
            return 0
        order = sorted(
            self.entries,
            key=lambda s: (s in linked, self.entries[s].out, self.entries[s].at, s),
        )
        for name in order[:excess]:
            del self.entries[name]
        return excess
