"""`Sizes`: how much each scenario produces and for how long (the CLI's options)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from bench.speed import WINDOW

__all__ = ["Sizes"]

_MAY_BE_ZERO = frozenset({"river_warmup", "linger_ms", "seed"})


@dataclass(frozen=True, slots=True)
class Sizes:
    """The defaults are the figures' runs in docs/benchmarks.md; the smoke tests shrink them."""

    events: int = 1_000_000  # throughput, two workers
    series: int = 10_000
    envelope: int = 200  # events per pre-produced record, at most; 1: single events
    river_warmup: int = WINDOW  # untimed points per river model
    rate: int = 10_000  # latency: events/s
    seconds: float = 30.0  # latency: the steady phase
    latency_series: int = 1000
    latency_envelopes: tuple[int, ...] = (1, 20)  # 1: single events
    linger_ms: int = 5  # the latency producer's
    probes: int = 60  # probe series, spiked once each
    probe_every_ms: int = 500
    interval_series: int = 200
    interval_warmup: int = 60
    recovery_series: int = 100_000
    recovery_points: int = 3
    recovery_snapshot_interval: float = 2.0  # seconds
    timeout: float = 900.0  # per wait, seconds
    seed: int = 7

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            values = value if isinstance(value, tuple) else (value,)
            if spec.name in _MAY_BE_ZERO:
                ok = all(v >= 0 for v in values)
            else:
                ok = bool(values) and all(v > 0 for v in values)
            if not ok:
                least = "0 or more" if spec.name in _MAY_BE_ZERO else "above 0"
                raise ValueError(f"{spec.name} must be {least}, not {value!r}")
        if self.events < self.series:
            raise ValueError(
                f"events ({self.events:,}) must be at least series ({self.series:,}): "
                "every series gets events // series points"
            )

    @property
    def points(self) -> int:
        """Points per series in the throughput and two-worker runs."""
        return self.events // self.series
