"""Writing a chunk's outputs, and waiting until the broker has every one of them.

faust sends without waiting and only logs a delivery that failed; the agent then finished the
batch and faust committed past its records. A dead letter too large for the broker (the whole
original, base64) was lost that way, its record with it, and counted as written. Here every
output's delivery is awaited before the agent moves on, so its records are not acknowledged,
hence not committed, until their outputs are written: a failed one is retried (a dead letter
refused as too large, with half as much of its original each time), with a growing pause, for
as long as it takes. Only a written dead letter is counted, and logs are summaries.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiokafka.errors import MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError

from dexwatch.streams.intake.dead_letter_building import shrunk
from dexwatch.streams.intake.records import OutputRecord
from dexwatch.streams.metrics import WorkerMetrics

__all__ = ["FIRST_RETRY_S", "LOG_EVERY_S", "MAX_RETRY_S", "OutputSender"]

log = logging.getLogger(__name__)

FIRST_RETRY_S = 0.1
MAX_RETRY_S = 5.0
LOG_EVERY_S = 30.0

# Returns once the record is handed to the producer, with what completes on its delivery.
Send = Callable[[OutputRecord], Awaitable[Awaitable[Any]]]
_TOO_LARGE = (MessageSizeTooLargeError, RecordTooLargeError, RecordListTooLargeError)


class OutputSender:
    def __init__(
        self,
        send: Send,
        metrics: WorkerMetrics,
        output_kinds: Mapping[str, str],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`output_kinds`: topic -> the `output` label of the write-failure counter."""
        self._send = send
        self._metrics = metrics
        self._kinds = output_kinds
        self._sleep = sleep
        self._clock = clock
        self._written: Counter[str] = Counter()
        self._failed: Counter[str] = Counter()
        self._example = ""
        self._last_report = -LOG_EVERY_S

    async def send_all(self, outputs: Sequence[OutputRecord]) -> None:
        """Send `outputs` and return once every one is written; failures are retried."""
        pending = list(outputs)
        pause = FIRST_RETRY_S
        while pending:
            handed: list[tuple[OutputRecord, Awaitable[Any]]] = []
            failed: list[tuple[OutputRecord, BaseException]] = []
            for output in pending:
                try:
                    handed.append((output, await self._send(output)))
                except Exception as error:  # e.g. over the producer's request size
                    failed.append((output, error))
            results = await asyncio.gather(*(done for _, done in handed), return_exceptions=True)
            for (output, _), result in zip(handed, results, strict=True):
                if isinstance(result, BaseException):
                    failed.append((output, result))
                elif output.dead_letter_reason is not None:
                    self._metrics.events_dead_lettered.labels(
                        reason=output.dead_letter_reason
                    ).inc()
                    self._written[output.dead_letter_reason] += 1
            pending = [self._retry(output, error) for output, error in failed]
            if any(not isinstance(error, _TOO_LARGE) for _, error in failed):
                await self._sleep(pause)  # the broker may be away: do not spin
                pause = min(pause * 2, MAX_RETRY_S)
            self.report()

    def _retry(self, output: OutputRecord, error: BaseException) -> OutputRecord:
        """What to send again for a failed `output`: a dead letter too large, cut further."""
        too_large = isinstance(error, _TOO_LARGE)
        kind = self._kinds.get(output.topic, "anomaly")
        self._metrics.output_write_failures.labels(
            output=kind, error="too_large" if too_large else "broker"
        ).inc()
        self._failed[kind] += 1
        self._example = f"{output.topic}: {type(error).__name__}: {error}"
        if too_large and output.dead_letter_reason is not None:
            smaller = shrunk(output)
            if smaller is not None:
                return smaller
        return output

    def report(self) -> None:
        """Log what was written and what failed since the last report, at most every
        `LOG_EVERY_S` (the first time at once): one line however many bad records came."""
        now = self._clock()
        if now - self._last_report < LOG_EVERY_S or not (self._written or self._failed):
            return
        self._last_report = now
        if self._written:
            kinds = ", ".join(f"{kind} {count}" for kind, count in self._written.most_common())
            log.info("dead-lettered %d record(s) (%s)", self._written.total(), kinds)
        if self._failed:
            outputs = ", ".join(f"{kind} {count}" for kind, count in self._failed.most_common())
            log.warning(
                "%d output write(s) failed and were retried (%s); the input is not committed "
                "past them; latest: %s",
                self._failed.total(),
                outputs,
                self._example,
            )
        self._written.clear()
        self._failed.clear()
