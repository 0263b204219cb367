"""What a test server is told to answer next: a queue of one-shot answers over a default.

Thread-safe: a test scripts it while the server answers on its own thread.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Answer", "ScriptedAnswers"]

KindT = TypeVar("KindT", bound=str)


@dataclass(frozen=True)
class Answer(Generic[KindT]):
    kind: KindT
    retry_after: str | None = None  # the Retry-After header to send, as written
    delay_s: float = 0.0  # wait this long before answering


class ScriptedAnswers(Generic[KindT]):
    def __init__(self, default: KindT) -> None:
        self.default = default
        self._queue: deque[Answer[KindT]] = deque()
        self._lock = threading.Lock()

    def answer_next(
        self, kind: KindT, times: int = 1, *, retry_after: str | None = None, delay_s: float = 0.0
    ) -> None:
        """Answer the next `times` requests with `kind`."""
        with self._lock:
            self._queue.extend(Answer(kind, retry_after, delay_s) for _ in range(times))

    def take(self) -> Answer[KindT]:
        with self._lock:
            return self._queue.popleft() if self._queue else Answer(self.default)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)
