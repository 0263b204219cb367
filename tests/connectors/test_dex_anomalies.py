"""Injected anomalies: each kind shows in its label window, nowhere else, and is labelled right."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from dexwatch.connectors.anomaly_labels import (
    ANOMALY_KINDS,
    AnomalyKind,
    InjectedAnomaly,
    LabelsFileError,
    read_labels,
    write_labels,
)
from dexwatch.connectors.dex_simulator import DexMarketSimulator, SimulatorConfig
from dexwatch.schemas.metric_event import MetricEvent

STEPS = 90
AT = 40
WINDOW = 4

Point = tuple[str, datetime]
Events = dict[Point, MetricEvent]


def simulate(config: SimulatorConfig, steps: int = STEPS) -> Events:
    return {
        (event.series_key, event.event_time): event
        for events in DexMarketSimulator(config).steps(steps)
        for event in events
    }


def config_for(kind: AnomalyKind, **changes: object) -> SimulatorConfig:
    fields: dict[str, object] = {
        "pools": 8,
        "anomaly_kinds": (kind,),
        "anomaly_at_step": AT,
        "anomaly_steps": WINDOW,
        **changes,
    }
    return SimulatorConfig.model_validate(fields)


def without_anomalies(config: SimulatorConfig) -> SimulatorConfig:
    return config.model_copy(update={"anomaly_at_step": None})


def labelled(labels: list[InjectedAnomaly], point: Point) -> bool:
    return any(label.covers(*point) for label in labels)


@pytest.mark.parametrize("kind", ANOMALY_KINDS)
def test_each_kind_changes_exactly_its_labelled_points(kind: AnomalyKind) -> None:
    config = config_for(kind)
    labels = DexMarketSimulator(config).labels()
    anomalous, normal = simulate(config), simulate(without_anomalies(config))
    # Event ids name the run (its config), so compare what was measured.
    changed = {
        point
        for point, event in normal.items()
        if point not in anomalous or anomalous[point].measures != event.measures
    }
    inside = {point for point in normal if labelled(labels, point)}
    assert labels
    assert all(label.kind == kind for label in labels)
    assert changed == inside, "every labelled point changed, and nothing else did"
    assert len(inside) == WINDOW * len(labels)
    assert set(anomalous) <= set(normal), "an anomaly never invents a series or a time"


def window(kind: AnomalyKind, **changes: object) -> tuple[InjectedAnomaly, Events, Events]:
    config = config_for(kind, **changes)
    [label, *_] = DexMarketSimulator(config).labels()
    return label, simulate(config), simulate(without_anomalies(config))


def in_window(label: InjectedAnomaly, events: Events) -> list[Point]:
    points = sorted(point for point in events if label.covers(*point))
    assert len(points) == WINDOW
    return points


def test_volume_burst_multiplies_volume_and_trades_with_flat_tvl() -> None:
    label, anomalous, normal = window("volume_burst")
    for point in in_window(label, normal):
        burst, plain = anomalous[point].measures, normal[point].measures
        assert burst["volume_usd"] == pytest.approx(8 * plain["volume_usd"], abs=0.08)
        assert burst["tx_count"] > plain["tx_count"]
        assert burst["tvl_usd"] == plain["tvl_usd"]
        assert burst["price"] == plain["price"]


def test_liquidity_drain_takes_most_of_the_tvl_with_a_volume_spike() -> None:
    label, anomalous, normal = window("liquidity_drain")
    points = in_window(label, normal)
    ratios = [anomalous[p].measures["tvl_usd"] / normal[p].measures["tvl_usd"] for p in points]
    assert ratios[0] < 0.35, "a big part leaves in the first interval"
    assert all(ratio < 0.11 for ratio in ratios[1:]), "most of it is gone within two"
    first = points[0]
    assert anomalous[first].measures["volume_usd"] > 5 * normal[first].measures["volume_usd"]


def test_depeg_moves_a_stablecoin_pools_price_off_its_peg() -> None:
    label, anomalous, normal = window("depeg")
    assert label.dimensions["pair"] in {"DAI-USDC", "USDC-USDT"}
    for point in in_window(label, normal):
        assert anomalous[point].measures["price"] == pytest.approx(0.88, abs=0.005)
    stable = [event for point, event in anomalous.items() if point[0] == label.series]
    outside = [event for event in stable if not label.covers(event.series_key, event.event_time)]
    assert all(abs(event.measures["price"] - 1.0) < 0.003 for event in outside)


def test_depeg_prefers_the_configured_pool_only_when_it_is_a_stablecoin_pool() -> None:
    on_stable = DexMarketSimulator(config_for("depeg", anomaly_pool=7)).labels()
    assert [label.dimensions["pair"] for label in on_stable] == ["DAI-USDC"]
    assert on_stable[0].series == DexMarketSimulator(config_for("depeg")).pools[7].series
    elsewhere = DexMarketSimulator(config_for("depeg", anomaly_pool=1)).labels()
    assert elsewhere[0].dimensions["pair"] in {"DAI-USDC", "USDC-USDT"}


def test_fee_spike_raises_fees_for_the_same_volume() -> None:
    label, anomalous, normal = window("fee_spike")
    for point in in_window(label, normal):
        spiked, plain = anomalous[point].measures, normal[point].measures
        assert spiked["volume_usd"] == plain["volume_usd"]
        assert spiked["fees_usd"] == pytest.approx(8 * plain["fees_usd"])


def test_silent_pool_sends_nothing_in_its_window_and_resumes_after() -> None:
    label, anomalous, _normal = window("silent_pool")
    times = sorted(time for series, time in anomalous if series == label.series)
    assert not [time for time in times if label.start <= time < label.end]
    assert times[0] < label.start
    assert times[-1] >= label.end
    assert len(times) == STEPS - WINDOW


def test_multi_pool_shock_labels_several_pools_with_one_start_and_one_shock_id() -> None:
    config = config_for("multi_pool_shock", shock_pools=3)
    simulator = DexMarketSimulator(config)
    labels = simulator.labels()
    assert len(labels) == 3
    assert len({label.series for label in labels}) == 3
    assert {(label.start, label.end) for label in labels} == {(labels[0].start, labels[0].end)}
    assert labels[0].start == simulator.event_time(AT)
    assert {label.shock_id for label in labels} == {f"shock-{AT}"}
    assert simulator.pools[1].series in {label.series for label in labels}, "preferred pool"
    anomalous, normal = simulate(config), simulate(without_anomalies(config))
    for label in labels:
        for point in in_window(label, normal):
            assert (
                anomalous[point].measures["volume_usd"] > 5 * normal[point].measures["volume_usd"]
            )


def test_only_shocks_carry_a_shock_id() -> None:
    for kind in ANOMALY_KINDS:
        labels = DexMarketSimulator(config_for(kind)).labels()
        assert all((label.shock_id is not None) == (kind == "multi_pool_shock") for label in labels)


def all_kinds_config(seed: int = 11) -> SimulatorConfig:
    return SimulatorConfig(
        pools=8,
        seed=seed,
        anomaly_kinds=ANOMALY_KINDS,
        anomaly_count=8,
        anomaly_at_step=30,
        anomaly_spacing_steps=20,
        anomaly_steps=3,
    )


def test_kinds_are_taken_in_turn_after_the_warm_up_at_the_spacing() -> None:
    simulator = DexMarketSimulator(all_kinds_config())
    plans = simulator.plans
    assert [plan.kind for plan in plans] == [*ANOMALY_KINDS, *ANOMALY_KINDS[:2]]
    assert [plan.first_step for plan in plans] == [30 + 20 * n for n in range(8)]
    labels = simulator.labels()
    assert min(label.start for label in labels) == simulator.event_time(30), "clean warm-up"
    assert [label.start for label in labels] == sorted(label.start for label in labels)


def test_same_seed_same_events_and_labels_with_every_kind() -> None:
    first, second = DexMarketSimulator(all_kinds_config()), DexMarketSimulator(all_kinds_config())
    assert list(first.steps(200)) == list(second.steps(200))
    assert first.labels() == second.labels()
    other = DexMarketSimulator(all_kinds_config(seed=12))
    assert other.labels() != first.labels()


def test_labels_can_be_clipped_to_what_was_produced() -> None:
    simulator = DexMarketSimulator(all_kinds_config())
    clipped = simulator.labels(produced_steps=51)  # the second anomaly (steps 50-52) is cut
    assert [label.kind for label in clipped] == ["volume_burst", "liquidity_drain"]
    assert clipped[1].end == simulator.event_time(51)
    assert clipped[0] == simulator.labels()[0]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"anomaly_kinds": ("depeg",), "pools": 3}, "depeg needs a stablecoin pool"),
        ({"anomaly_kinds": ("multi_pool_shock",), "pools": 1, "anomaly_pool": 0}, "at least 2"),
        ({"anomaly_count": 2, "anomaly_spacing_steps": 2}, "anomalies would overlap"),
    ],
)
def test_impossible_anomalies_are_refused_saying_why(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        SimulatorConfig.model_validate(changes)


def test_labels_file_is_json_lines_of_every_field(tmp_path: Path) -> None:
    labels = DexMarketSimulator(config_for("multi_pool_shock")).labels()
    path = tmp_path / "out" / "labels.jsonl"
    assert write_labels(path, labels) == 3
    lines = path.read_text().splitlines()
    assert len(lines) == 3
    first = json.loads(lines[0])
    assert set(first) == {"series", "dimensions", "kind", "start", "end", "shock_id"}
    assert first["kind"] == "multi_pool_shock"
    assert first["shock_id"] == f"shock-{AT}"
    assert read_labels(path) == labels


def test_a_bad_labels_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    good = DexMarketSimulator().labels()[0].model_dump_json()
    path.write_text(f'{good}\n\n{{"kind": "rug_pull"}}\n')
    with pytest.raises(LabelsFileError, match=r"line 3: .*kind"):
        read_labels(path)
