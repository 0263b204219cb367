"""A seeded, deterministic DEX market simulator with labelled, injected anomalies.

It stands in for The Graph when there is no network, no API key, or a test needs ground truth:
each step is one interval of simulated time with one `MetricEvent` per pool (TVL, volume, fees,
trades, price; see `connectors.dex_market`), and `labels()` says exactly which series-intervals
were made anomalous, and how (see `connectors.dex_anomalies`), so detectors can be scored
against it. The same config always gives the same events and the same labels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from dexwatch.connectors.anomaly_labels import ANOMALY_KINDS, AnomalyKind, InjectedAnomaly
from dexwatch.connectors.dex_anomalies import AnomalyPlan, PlanError, inject, plan_anomalies
from dexwatch.connectors.dex_market import (
    MarketPoint,
    PoolProfile,
    PoolWalker,
    pool_profile,
    season,
)
from dexwatch.schemas.metric_event import MetricEvent

__all__ = [
    "ANOMALY_KINDS",
    "MAX_ANOMALIES",
    "MAX_POOLS",
    "SOURCE",
    "AnomalyKind",
    "DexMarketSimulator",
    "InjectedAnomaly",
    "PoolProfile",
    "SimulatorConfig",
]

MAX_POOLS = 1000
MAX_ANOMALIES = 10_000
SOURCE = "simulator"

_EARLIEST_START = datetime(2015, 7, 30, tzinfo=UTC)  # Ethereum's genesis block
_LATEST_START = datetime(2100, 1, 1, tzinfo=UTC)


class SimulatorConfig(BaseModel):
    """What to simulate. Every field has a range; an invalid value names itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pools: Annotated[int, Field(ge=1, le=MAX_POOLS)] = 4
    step_seconds: Annotated[int, Field(ge=1, le=86_400)] = Field(
        default=300, description="Simulated time between two points of a series."
    )
    start: AwareDatetime = Field(
        default=datetime(2026, 1, 5, tzinfo=UTC),
        description="Event time of step 0 (default: a Monday, 00:00 UTC).",
    )
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 7
    anomaly_kinds: tuple[AnomalyKind, ...] = Field(
        default=("volume_burst",), min_length=1, description="Kinds to inject, taken in turn."
    )
    anomaly_count: Annotated[int, Field(ge=1, le=MAX_ANOMALIES)] | None = Field(
        default=None, description="How many anomalies in all; None: one of each kind."
    )
    anomaly_at_step: Annotated[int, Field(ge=0, le=100_000_000)] | None = Field(
        default=300,
        description="First anomalous step (the steps before it are a clean warm-up); None "
        "injects nothing.",
    )
    anomaly_spacing_steps: Annotated[int, Field(ge=1, le=100_000_000)] = Field(
        default=288, description="Steps from one anomaly's start to the next one's."
    )
    anomaly_pool: Annotated[int, Field(ge=0, le=MAX_POOLS - 1)] = Field(
        default=1,
        description="Pool of the first anomaly (0-based, < pools) when its kind can happen "
        "there; the others go to pools the seed picks.",
    )
    anomaly_steps: Annotated[int, Field(ge=1, le=100_000)] = Field(
        default=3, description="How many consecutive steps each anomaly lasts."
    )
    anomaly_magnitude: Annotated[float, Field(gt=1.0, le=1000.0, allow_inf_nan=False)] = Field(
        default=8.0, description="Strength of every anomaly (e.g. the multiplier of volume)."
    )
    shock_pools: Annotated[int, Field(ge=2, le=MAX_POOLS)] = Field(
        default=3, description="Pools hit by one multi_pool_shock (at most `pools`)."
    )

    @field_validator("start")
    @classmethod
    def _start_in_range(cls, value: datetime) -> datetime:
        value = value.astimezone(UTC)
        if not _EARLIEST_START <= value < _LATEST_START:
            raise ValueError(
                f"expected a time from {_EARLIEST_START.isoformat()} to before "
                f"{_LATEST_START.isoformat()}"
            )
        return value

    @model_validator(mode="after")
    def _anomalies_fit(self) -> SimulatorConfig:
        if self.anomaly_at_step is None:
            return self
        if self.anomaly_pool >= self.pools:
            raise ValueError(
                f"anomaly_pool={self.anomaly_pool} does not exist with pools={self.pools} "
                f"(expected 0 to {self.pools - 1})"
            )
        if self.total_anomalies > 1 and self.anomaly_spacing_steps < self.anomaly_steps:
            raise ValueError(
                f"anomaly_spacing_steps={self.anomaly_spacing_steps} is shorter than "
                f"anomaly_steps={self.anomaly_steps}: anomalies would overlap"
            )
        try:
            _plan(self, _profiles(self))
        except PlanError as error:
            raise ValueError(str(error)) from None
        return self

    @property
    def total_anomalies(self) -> int:
        """How many anomalies the run injects (0 without `anomaly_at_step`)."""
        if self.anomaly_at_step is None:
            return 0
        return self.anomaly_count if self.anomaly_count is not None else len(self.anomaly_kinds)


def _profiles(config: SimulatorConfig) -> list[PoolProfile]:
    """The pools of `config`, in index order."""
    return [pool_profile(config.seed, index) for index in range(config.pools)]


def _plan(config: SimulatorConfig, pools: list[PoolProfile]) -> list[AnomalyPlan]:
    """The anomalies `config` injects into `pools`, in start order."""
    if config.anomaly_at_step is None:
        return []
    return plan_anomalies(
        config.anomaly_kinds,
        config.total_anomalies,
        first_step=config.anomaly_at_step,
        spacing=config.anomaly_spacing_steps,
        steps=config.anomaly_steps,
        magnitude=config.anomaly_magnitude,
        preferred_pool=config.anomaly_pool,
        shock_pools=config.shock_pools,
        profiles=pools,
        seed=config.seed,
    )


class DexMarketSimulator:
    """Deterministic DEX pool metrics: the same config always yields the same events."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config if config is not None else SimulatorConfig()
        self._step = timedelta(seconds=self.config.step_seconds)
        self._run_id = hashlib.sha256(self.config.model_dump_json().encode()).hexdigest()[:12]
        self.pools: list[PoolProfile] = _profiles(self.config)
        self.plans: list[AnomalyPlan] = _plan(self.config, self.pools)

    def event_time(self, step: int) -> datetime:
        """Event time of the points of `step`."""
        return self.config.start + step * self._step

    def steps(self, count: int | None = None) -> Iterator[list[MetricEvent]]:
        """One list per step, one event per pool that is not silent; endless without `count`.

        Each call starts again from step 0 with the same randomness.
        """
        walkers = [
            PoolWalker(profile, self.config.seed, self.config.step_seconds)
            for profile in self.pools
        ]
        step = 0
        while count is None or step < count:
            event_time = self.event_time(step)
            activity = season(event_time)
            active = [p for p in self.plans if p.first_step <= step < p.first_step + p.steps]
            events = []
            for walker in walkers:
                profile = walker.profile
                point: MarketPoint | None = walker.advance(activity)
                for anomaly in active:
                    offset = anomaly.offset(profile.index, step)
                    if point is not None and offset is not None:
                        point = inject(anomaly, profile, point, offset)
                if point is not None:
                    events.append(
                        MetricEvent(
                            event_time=event_time,
                            source=SOURCE,
                            dimensions=dict(profile.dimensions),
                            measures=point.measures(),
                            event_id=f"sim-{self._run_id}-{step}-{profile.index}",
                        )
                    )
            yield events
            step += 1

    def labels(self, produced_steps: int | None = None) -> list[InjectedAnomaly]:
        """Every anomaly this configuration injects, one label per pool, in start order.

        With `produced_steps`, only what steps `0 .. produced_steps - 1` hold, windows clipped.
        """
        produced_end = None if produced_steps is None else self.event_time(produced_steps)
        labels = []
        for anomaly in self.plans:
            start = self.event_time(anomaly.first_step)
            end = self.event_time(anomaly.first_step + anomaly.steps)
            if produced_end is not None:
                if start >= produced_end:
                    continue
                end = min(end, produced_end)
            for index in anomaly.pools:
                profile = self.pools[index]
                labels.append(
                    InjectedAnomaly(
                        series=profile.series,
                        dimensions=dict(profile.dimensions),
                        kind=anomaly.kind,
                        start=start,
                        end=end,
                        shock_id=anomaly.shock_id,
                    )
                )
        return labels
