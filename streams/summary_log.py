"""A log line that would come once per record, said as a summary: the first at once, then the
count since, at most every `every_s`, with the latest example.

For refusals that leave no dead letter to count them by (an incident input that does not
decode, an interval whose records were read in earlier batches): a flood of them writes a line
a minute, not a line each. `streams/intake/refusal_log.py` does the same, per dataset and
reason, for events a dataset refused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["SummaryLog"]


class SummaryLog:
    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        advice: str,
        every_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`what`: the thing counted, plural (`incident inputs refused`); `advice`: what to do."""
        self._logger = logger
        self.what = what
        self.advice = advice
        self.every_s = every_s
        self._clock = clock
        self._count = 0
        self._example = ""
        self._since: float | None = None  # the last line's time; None: none yet

    def note(self, example: str) -> None:
        """One more; logged now if it is the first or `every_s` passed since the last line."""
        self._count += 1
        self._example = example
        now = self._clock()
        if self._since is None or now - self._since >= self.every_s:
            window = "" if self._since is None else f" in the last {now - self._since:.0f} s"
            self._logger.warning(
                "%d %s%s (at most a line every %.0f s); latest: %s; %s",
                self._count,
                self.what,
                window,
                self.every_s,
                self._example,
                self.advice,
            )
            self._count, self._since = 0, now
