"""The anomalies the DEX simulator injects: where and when each goes, and what it does.

Each kind is a pure function of the normal point and the offset into its window, so the
simulator's random streams never see it: an anomaly changes its own window and nothing else,
and every pool is back to its normal path at the window's end (a label covers the whole
incident). `magnitude` (default 8) sets the strength of every kind:

- `volume_burst` (wash trading): volume and trades times `magnitude`; TVL and price untouched.
- `liquidity_drain` (rug pull, exploit): TVL falls by 90% over the first one or two intervals,
  with volume and trades times `magnitude` while it drains, then the pool stays thin (volume
  and trades shrink with its TVL) until the window ends.
- `depeg` (stablecoin pools only): the price leaves 1.0 by 1.5% per unit of `magnitude` (12% at
  8, like USDC in March 2023), capped at 50%, while arbitrage multiplies volume and trades.
- `fee_spike`: fees times `magnitude` for unchanged volume (the fee/volume ratio breaks).
- `silent_pool`: the pool sends no event at all for the window.
- `multi_pool_shock`: one market-wide shock on several pools with the same window: volume and
  trades times `magnitude`, and on pools that are not stablecoin pairs the price falls by 2% per
  unit of `magnitude` (16% at 8, capped at 60%) and TVL by half as much.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from dexwatch.connectors.anomaly_labels import AnomalyKind
from dexwatch.connectors.dex_market import MarketPoint, PoolProfile
from dexwatch.schemas.errors import DexwatchError

__all__ = ["AnomalyPlan", "PlanError", "inject", "plan_anomalies"]

_PLAN_STREAM = 0xA40A11E5  # a seed word of its own: plans never share a pool's random stream
_DRAIN_LEFT = 0.1  # what a drained pool keeps of its TVL
_DRAIN_STEPS = 2  # intervals over which it drains (fewer if the window is shorter)
_DEPEG_PER_MAGNITUDE, _DEPEG_CAP = 0.015, 0.5
_SHOCK_PER_MAGNITUDE, _SHOCK_CAP = 0.02, 0.6


class PlanError(DexwatchError, ValueError):
    """The requested anomalies cannot be placed on these pools (the message says why)."""


@dataclass(frozen=True, slots=True)
class AnomalyPlan:
    """One anomaly to inject: a kind on one or more pools over `steps` steps."""

    kind: AnomalyKind
    pools: tuple[int, ...]
    first_step: int
    steps: int
    magnitude: float
    shock_id: str | None = None

    def offset(self, pool: int, step: int) -> int | None:
        """How far into this anomaly `step` of `pool` is, or None when it is not affected."""
        if pool in self.pools and self.first_step <= step < self.first_step + self.steps:
            return step - self.first_step
        return None


def inject(
    plan: AnomalyPlan, profile: PoolProfile, point: MarketPoint, offset: int
) -> MarketPoint | None:
    """The anomalous point at `offset` into `plan`'s window; None means no event at all."""
    return _INJECTORS[plan.kind](plan, profile, point, offset)


def plan_anomalies(
    kinds: Sequence[AnomalyKind],
    count: int,
    *,
    first_step: int,
    spacing: int,
    steps: int,
    magnitude: float,
    preferred_pool: int | None,
    shock_pools: int,
    profiles: Sequence[PoolProfile],
    seed: int,
) -> list[AnomalyPlan]:
    """`count` anomalies, kinds taken in turn, the n-th starting at `first_step + n * spacing`.

    The first goes to `preferred_pool` when its kind can happen there; the others (and a first
    that cannot) go to pools the seed picks among those that suit the kind. Raises `PlanError`
    when a kind fits no pool here.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, _PLAN_STREAM]))
    plans = []
    for number in range(count):
        kind = kinds[number % len(kinds)]
        suitable = [profile.index for profile in profiles if _suits(kind, profile)]
        wanted, least = (
            (min(shock_pools, len(profiles)), 2) if kind == "multi_pool_shock" else (1, 1)
        )
        if wanted < least or len(suitable) < wanted:
            raise PlanError(_unplaceable(kind, len(profiles)))
        first = preferred_pool if number == 0 and preferred_pool in suitable else None
        others = [index for index in suitable if index != first]
        picked = rng.choice(others, size=wanted - (first is not None), replace=False)
        pools = tuple(sorted([*([first] if first is not None else []), *map(int, picked)]))
        start = first_step + number * spacing
        shock_id = f"shock-{start}" if kind == "multi_pool_shock" else None
        plans.append(AnomalyPlan(kind, pools, start, steps, magnitude, shock_id))
    return plans


def _suits(kind: AnomalyKind, profile: PoolProfile) -> bool:
    return profile.is_stable if kind == "depeg" else True


def _unplaceable(kind: AnomalyKind, pools: int) -> str:
    if kind == "depeg":
        return (
            f"depeg needs a stablecoin pool (pools 3, 7, 11, ... are), and pools={pools} has "
            "none: use pools >= 4"
        )
    return f"multi_pool_shock needs at least 2 pools, and pools={pools}"


def _busier(point: MarketPoint, factor: float) -> MarketPoint:
    return replace(
        point, volume_usd=point.volume_usd * factor, tx_count=float(round(point.tx_count * factor))
    )


def _volume_burst(
    plan: AnomalyPlan, _profile: PoolProfile, point: MarketPoint, _offset: int
) -> MarketPoint:
    """Wash trading: volume and trade count jump, liquidity does not move."""
    return _busier(point, plan.magnitude)


def _liquidity_drain(
    plan: AnomalyPlan, _profile: PoolProfile, point: MarketPoint, offset: int
) -> MarketPoint:
    """Rug pull: most of the TVL leaves within an interval or two, in a burst of trades."""
    drain_steps = min(_DRAIN_STEPS, plan.steps)
    left = _DRAIN_LEFT ** (min(offset + 1, drain_steps) / drain_steps)
    drained = replace(point, tvl_usd=point.tvl_usd * left)
    if offset < drain_steps:
        return _busier(drained, plan.magnitude)
    return replace(
        drained,
        volume_usd=point.volume_usd * left,
        tx_count=max(1.0, float(round(point.tx_count * left))),
    )


def _depeg(
    plan: AnomalyPlan, _profile: PoolProfile, point: MarketPoint, _offset: int
) -> MarketPoint:
    """A stablecoin pair's price leaves 1.0; arbitrageurs trade heavily."""
    depth = min(_DEPEG_CAP, _DEPEG_PER_MAGNITUDE * plan.magnitude)
    return replace(_busier(point, plan.magnitude), price=point.price * (1.0 - depth))


def _fee_spike(
    plan: AnomalyPlan, _profile: PoolProfile, point: MarketPoint, _offset: int
) -> MarketPoint:
    """Fees jump while volume does not (a fee switch, a fee-on-transfer exploit)."""
    return replace(point, fee_rate=point.fee_rate * plan.magnitude)


def _silent_pool(
    _plan: AnomalyPlan, _profile: PoolProfile, _point: MarketPoint, _offset: int
) -> None:
    """The pool (or its indexer) goes quiet: no event at all."""
    return None


def _multi_pool_shock(
    plan: AnomalyPlan, profile: PoolProfile, point: MarketPoint, _offset: int
) -> MarketPoint:
    """A market-wide shock: everyone trades, and volatile tokens fall together."""
    shocked = _busier(point, plan.magnitude)
    if profile.is_stable:
        return shocked
    drop = min(_SHOCK_CAP, _SHOCK_PER_MAGNITUDE * plan.magnitude)
    return replace(
        shocked, price=point.price * (1.0 - drop), tvl_usd=point.tvl_usd * (1.0 - drop / 2.0)
    )


_Injector = Callable[[AnomalyPlan, PoolProfile, MarketPoint, int], MarketPoint | None]
_INJECTORS: dict[AnomalyKind, _Injector] = {
    "volume_burst": _volume_burst,
    "liquidity_drain": _liquidity_drain,
    "depeg": _depeg,
    "fee_spike": _fee_spike,
    "silent_pool": _silent_pool,
    "multi_pool_shock": _multi_pool_shock,
}
