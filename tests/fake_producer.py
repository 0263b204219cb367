"""`FakeProducer`: stands in for `EventProducer` in command tests that need no broker."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType, TracebackType
from typing import ClassVar

import pytest

from dexwatch.schemas.metric_event import MetricEvent

__all__ = ["FakeProducer", "install_fake_producer"]


class FakeProducer:
    """Stands in for EventProducer; optionally presses Ctrl-C after `interrupt_after` sends."""

    instances: ClassVar[list[FakeProducer]] = []
    interrupt_after: ClassVar[int | None] = None
    on_send: ClassVar[Callable[[], None]] = staticmethod(lambda: None)

    def __init__(
        self, bootstrap_servers: str, *, source: str, extra_config: Mapping[str, object]
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.source = source
        self.extra_config = extra_config
        self.sent: list[tuple[str, MetricEvent]] = []
        self.flush_timeouts: list[float | None] = []
        self.delivered = 0
        self.failed = 0
        FakeProducer.instances.append(self)

    def send(self, topic: str, event: MetricEvent) -> None:
        if self.interrupt_after is not None and len(self.sent) >= self.interrupt_after:
            raise KeyboardInterrupt
        FakeProducer.on_send()
        self.sent.append((topic, event))

    def flush(self, timeout_s: float | None = None) -> None:
        self.flush_timeouts.append(timeout_s)
        self.delivered = len(self.sent) - self.failed

    def __enter__(self) -> FakeProducer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.flush()


def install_fake_producer(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType
) -> type[FakeProducer]:
    """Make `module.EventProducer` the fake, with no instances yet; returns the fake class."""
    monkeypatch.setattr(FakeProducer, "instances", [])
    monkeypatch.setattr(module, "EventProducer", FakeProducer)
    return FakeProducer
