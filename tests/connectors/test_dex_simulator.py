"""The DEX simulator: deterministic, realistic in shape, and honest about what it injected."""

from __future__ import annotations

import math
import re
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from dexwatch.connectors.dex_simulator import DexMarketSimulator, InjectedAnomaly, SimulatorConfig
from dexwatch.schemas.metric_event import MetricEvent, series_key

MEASURES = {"tvl_usd", "volume_usd", "fees_usd", "tx_count", "price"}
STEPS_PER_WEEK = 7 * 24 * 12  # 5-minute steps


def run(config: SimulatorConfig, steps: int) -> list[list[MetricEvent]]:
    return list(DexMarketSimulator(config).steps(steps))


def measure(steps: list[list[MetricEvent]], pool: int, name: str) -> list[float]:
    return [events[pool].measures[name] for events in steps]


@pytest.fixture(scope="module")
def week() -> list[list[MetricEvent]]:
    """One simulated week of the default configuration (anomaly on pool 1 at step 300)."""
    return run(SimulatorConfig(), STEPS_PER_WEEK)


def test_same_seed_gives_identical_events() -> None:
    config = SimulatorConfig(seed=42, pools=5)
    assert run(config, 400) == run(config, 400)
    simulator = DexMarketSimulator(config)
    assert list(simulator.steps(50)) == list(simulator.steps(50)), "steps() restarts at step 0"


def test_different_seeds_differ() -> None:
    first = run(SimulatorConfig(seed=1), 20)
    second = run(SimulatorConfig(seed=2), 20)
    assert first[0][0].dimensions["pool"] != second[0][0].dimensions["pool"]
    assert measure(first, 0, "volume_usd") != measure(second, 0, "volume_usd")


def test_a_pool_does_not_depend_on_how_many_pools_run() -> None:
    small = run(SimulatorConfig(pools=2, anomaly_at_step=None), 50)
    large = run(SimulatorConfig(pools=9, anomaly_at_step=None), 50)
    for step_small, step_large in zip(small, large, strict=True):
        assert [event.measures for event in step_small] == [
            event.measures for event in step_large[:2]
        ]


def test_one_event_per_pool_per_step_with_dimensions_and_measures(
    week: list[list[MetricEvent]],
) -> None:
    simulator = DexMarketSimulator()
    start = SimulatorConfig().start
    expected_keys = [profile.series for profile in simulator.pools]
    assert len(set(expected_keys)) == 4
    event_ids: set[str] = set()
    for step, events in enumerate(week[:500]):
        assert len(events) == 4
        assert [event.series_key for event in events] == expected_keys
        for event in events:
            assert event.event_time == start + timedelta(minutes=5 * step)
            assert event.source == "simulator"
            assert set(event.dimensions) == {"chain", "dex", "pool", "pair"}
            assert event.dimensions["chain"] == "ethereum"
            assert event.dimensions["dex"] in {"uniswap-v3", "sushiswap"}
            assert re.fullmatch(r"0x[0-9a-f]{40}", event.dimensions["pool"])
            assert re.fullmatch(r"[A-Za-z]+-[A-Za-z]+", event.dimensions["pair"])
            assert set(event.measures) == MEASURES
            assert event.event_id is not None
            event_ids.add(event.event_id)
    assert len(event_ids) == 500 * 4, "event ids are unique"
    assert DexMarketSimulator().pools == simulator.pools, "pool identities are stable"


def test_measures_are_finite_non_negative_and_tx_count_is_integral(
    week: list[list[MetricEvent]],
) -> None:
    for events in week:
        for event in events:
            for name, value in event.measures.items():
                assert math.isfinite(value), name
                assert value >= 0, name
            assert event.measures["tx_count"] == int(event.measures["tx_count"])
            assert event.measures["tx_count"] >= 1
            assert event.measures["tvl_usd"] > 0


def test_fees_are_volume_times_the_pool_fee_tier(week: list[list[MetricEvent]]) -> None:
    simulator = DexMarketSimulator()
    for events in week:
        for profile, event in zip(simulator.pools, events, strict=True):
            expected = event.measures["volume_usd"] * profile.fee_tier
            assert event.measures["fees_usd"] == pytest.approx(expected, rel=1e-12)


def test_levels_differ_between_pools(week: list[list[MetricEvent]]) -> None:
    tvl_means = [statistics.fmean(measure(week, pool, "tvl_usd")) for pool in range(4)]
    assert max(tvl_means) / min(tvl_means) > 3
    for tvl in tvl_means:
        assert 5e5 < tvl < 4e8


def test_volume_is_higher_in_the_utc_afternoon_than_at_night(
    week: list[list[MetricEvent]],
) -> None:
    afternoon: list[float] = []
    night: list[float] = []
    for events in week[400:]:  # past the anomaly
        hour = events[0].event_time.hour
        total = sum(event.measures["volume_usd"] for event in events)
        if 12 <= hour < 18:
            afternoon.append(total)
        elif 0 <= hour < 6:
            night.append(total)
    assert statistics.fmean(afternoon) > 1.5 * statistics.fmean(night)


def test_volume_is_lower_on_weekends(week: list[list[MetricEvent]]) -> None:
    weekend: list[float] = []
    weekday: list[float] = []
    for events in week[400:]:
        total = sum(event.measures["volume_usd"] for event in events)
        (weekend if events[0].event_time.weekday() >= 5 else weekday).append(total)
    assert weekend
    assert statistics.fmean(weekend) < 0.85 * statistics.fmean(weekday)


def test_burst_volume_is_far_above_normal_while_tvl_stays_flat(
    week: list[list[MetricEvent]],
) -> None:
    config = SimulatorConfig()
    assert config.anomaly_at_step is not None
    first, last = config.anomaly_at_step, config.anomaly_at_step + config.anomaly_steps
    pool = config.anomaly_pool
    volume = measure(week, pool, "volume_usd")
    normal = volume[:first] + volume[last:]
    burst = volume[first:last]
    mean, spread = statistics.fmean(normal), statistics.pstdev(normal)
    max_normal_z = max((value - mean) / spread for value in normal)
    min_burst_z = min((value - mean) / spread for value in burst)
    assert max_normal_z < 4.5
    assert min_burst_z > 2 * max_normal_z
    assert min(burst) > 1.5 * max(normal), "above every normal point of the week"

    tvl = measure(week, pool, "tvl_usd")
    before = tvl[first - 1]
    for value in tvl[first:last]:
        assert value == pytest.approx(before, rel=0.01)
    tx = measure(week, pool, "tx_count")
    assert min(tx[first:last]) > max(tx[first - 12 : first])


def test_anomaly_changes_only_its_window() -> None:
    with_anomaly = run(SimulatorConfig(), 400)
    without = run(SimulatorConfig(anomaly_at_step=None), 400)
    for step, (left, right) in enumerate(zip(with_anomaly, without, strict=True)):
        for pool, (a, b) in enumerate(zip(left, right, strict=True)):
            assert a.measures["tvl_usd"] == b.measures["tvl_usd"]
            if pool == 1 and 300 <= step < 303:
                # Volumes are rounded to cents, so 8x holds to within 8 cents.
                expected = 8.0 * b.measures["volume_usd"]
                assert a.measures["volume_usd"] == pytest.approx(expected, abs=0.08)
            else:
                assert a.measures == b.measures


def test_labels_match_the_injected_window_exactly() -> None:
    config = SimulatorConfig(anomaly_at_step=40, anomaly_pool=2, anomaly_steps=5)
    simulator = DexMarketSimulator(config)
    steps = list(simulator.steps(100))
    plain_config = SimulatorConfig.model_validate({**config.model_dump(), "anomaly_at_step": None})
    baseline = list(DexMarketSimulator(plain_config).steps(100))
    changed = {
        (event.series_key, event.event_time)
        for events, normal in zip(steps, baseline, strict=True)
        for event, plain in zip(events, normal, strict=True)
        if event.measures != plain.measures
    }
    [label] = simulator.labels()
    assert label == InjectedAnomaly(
        series=series_key(steps[0][2].dimensions),
        dimensions=steps[0][2].dimensions,
        kind="volume_burst",
        start=datetime(2026, 1, 5, 3, 20, tzinfo=UTC),
        end=datetime(2026, 1, 5, 3, 45, tzinfo=UTC),
    )
    labelled = {
        (event.series_key, event.event_time)
        for events in steps
        for event in events
        if event.series_key == label.series and label.start <= event.event_time < label.end
    }
    assert changed == labelled
    assert len(labelled) == 5


def test_no_anomaly_means_no_labels() -> None:
    assert DexMarketSimulator(SimulatorConfig(anomaly_at_step=None)).labels() == []


def test_defaults() -> None:
    config = SimulatorConfig()
    assert config.pools == 4
    assert config.step_seconds == 300
    assert config.start == datetime(2026, 1, 5, tzinfo=UTC)
    assert config.start.weekday() == 0
    assert (config.anomaly_at_step, config.anomaly_pool, config.anomaly_steps) == (300, 1, 3)
    assert config.anomaly_magnitude == 8.0
    with pytest.raises(ValidationError):
        config.pools = 5  # type: ignore[misc]  # frozen


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pools", 0),
        ("pools", 1001),
        ("step_seconds", 0),
        ("seed", -1),
        ("anomaly_at_step", -1),
        ("anomaly_steps", 0),
        ("anomaly_magnitude", 1.0),
        ("anomaly_magnitude", math.inf),
        ("anomaly_kinds", ("rug_pull",)),
        ("anomaly_kinds", ()),
        ("anomaly_count", 0),
        ("anomaly_spacing_steps", 0),
        ("shock_pools", 1),
        ("start", datetime(2026, 1, 5)),  # naive
        ("start", datetime(1999, 1, 1, tzinfo=UTC)),
        ("colour", "blue"),
    ],
)
def test_invalid_config_is_rejected_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        SimulatorConfig.model_validate({field: value})
    assert field in str(caught.value)


def test_anomaly_pool_must_exist() -> None:
    with pytest.raises(ValidationError, match=r"anomaly_pool=4 does not exist with pools=4"):
        SimulatorConfig(pools=4, anomaly_pool=4)
    assert SimulatorConfig(pools=1, anomaly_pool=5, anomaly_at_step=None).pools == 1
