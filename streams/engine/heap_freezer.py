"""Keep Python's full garbage collections short in a worker that holds many series.

A full collection walks every tracked object: after start-up that is ~100,000 objects of
numba, pydantic and faust, which stalled a batch for ~75 ms and set the latency tail. Freezing
them (`gc.freeze()`) moves them out of the collector's sight; reference counting still frees
them. A worker freezes once after its first batch, and again whenever its series grew by a
quarter, after a collection so that no cyclic garbage is frozen with them.
"""

from __future__ import annotations

import gc
import logging
import time

__all__ = ["HeapFreezer"]

log = logging.getLogger(__name__)

GROWTH = 1.25


class HeapFreezer:
    def __init__(self) -> None:
        self._series_at_freeze: int | None = None

    def after_batch(self, series_count: int) -> bool:
        """Freeze when due (first batch, or series grown by a quarter); True when it did."""
        last = self._series_at_freeze
        if last is not None and series_count < max(1, last) * GROWTH:
            return False
        started = time.perf_counter()
        gc.collect()  # the permanent generation is not walked: this is short after the first
        gc.freeze()
        self._series_at_freeze = series_count
        log.debug(
            "froze %d objects out of the collector's sight (%d series) in %.0f ms",
            gc.get_freeze_count(),
            series_count,
            (time.perf_counter() - started) * 1000,
        )
        return True
