"""What the Slack and webhook sinks share: one POST per attempt, judged the same way.

2xx is delivered; 429, 408 and 5xx (and no connection, or no answer in time) are retried; any
other answer is a refusal, which each sink words for its own destination.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import aiohttp

from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.sink_dead_letter import SinkKind
from dexwatch.sinks.base import Delivered, DeliveryOutcome, GiveUp, RetryLater
from dexwatch.sinks.http_post import HttpAnswer, post, transient_failure

__all__ = ["HttpSink"]


class HttpSink(ABC):
    """A sink that POSTs each incident to one URL; subclasses say what, and what refusals mean."""

    kind: SinkKind

    def __init__(
        self, name: str, session: aiohttp.ClientSession, *, timeout_s: float, target: str
    ) -> None:
        self._name = name
        self._session = session
        self._timeout_s = timeout_s
        self.target = target  # where it delivers, for logs: never a secret

    @property
    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name!r}, target={self.target!r})"

    @abstractmethod
    def request(self, incident: IncidentEvent) -> tuple[str, bytes, dict[str, str]]:
        """The URL, the body and the headers of one attempt."""

    @abstractmethod
    def refusal(self, answer: HttpAnswer) -> GiveUp:
        """What a non-2xx answer that retrying cannot change means, and what to do about it."""

    async def deliver(self, incident: IncidentEvent) -> DeliveryOutcome:
        url, body, headers = self.request(incident)
        answer = await post(
            self._session, url, body, headers, timeout_s=self._timeout_s, target=self.target
        )
        if isinstance(answer, RetryLater):
            return answer
        if 200 <= answer.status < 300:
            return Delivered(answer.status)
        return transient_failure(answer, self.target) or self.refusal(answer)
