"""The per-series model: warm-up, verdicts, explanations, and the measure-set contract."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from pydantic import ValidationError

from dexwatch.detectors.series_model import SeriesModel, SeriesModelSettings
from dexwatch.schemas.errors import DetectorInputError
from tests.series_data import START, pool_events


def _run(model: SeriesModel, steps: int, spikes: frozenset[int]) -> list[tuple[int, bool, bool]]:
    return [
        (step, verdict.warming_up, verdict.is_anomaly)
        for step, event in enumerate(pool_events("0x1", steps, seed=1, spikes=spikes))
        for verdict in [model.process(event.measures, event.event_time)]
    ]


def test_no_verdict_while_warming_up_then_verdicts() -> None:
    settings = SeriesModelSettings()
    results = _run(SeriesModel(settings), 900, frozenset())
    first_verdict = settings.warmup
    assert all(warming for step, warming, _ in results if step < first_verdict)
    assert not any(warming for step, warming, _ in results if step >= first_verdict)
    assert not any(anomalous for _, _, anomalous in results), "clean data raised an anomaly"


def test_a_spike_is_flagged_and_explained() -> None:
    model = SeriesModel(SeriesModelSettings())
    events = list(pool_events("0x1", 720, seed=2, spikes=frozenset({700})))
    verdicts = [model.process(event.measures, event.event_time) for event in events]
    flagged = [step for step, verdict in enumerate(verdicts) if verdict.is_anomaly]
    assert flagged == [700]
    spike = verdicts[700]
    assert spike.score >= SeriesModelSettings().alert_threshold
    assert spike.severity == round(100 * spike.score)
    moved = {move.measure for move in spike.moves}
    assert {"volume_usd", "tx_count"} <= moved
    assert "tvl_usd" not in moved, "TVL did not move"
    volume = next(move for move in spike.moves if move.measure == "volume_usd")
    assert volume.value > volume.expected_high > volume.expected_low > 0
    assert volume.deviation >= 4


def test_a_changed_measure_set_is_refused() -> None:
    model = SeriesModel(SeriesModelSettings())
    model.process({"a": 1.0, "b": 2.0}, START)
    with pytest.raises(DetectorInputError, match=r"has measures \['a', 'b'\]"):
        model.process({"a": 1.0}, START)


def test_settings_name_the_bad_field() -> None:
    with pytest.raises(ValidationError, match="alert_threshold"):
        SeriesModelSettings(alert_threshold=1.5)
    with pytest.raises(ValidationError, match="window_size"):
        SeriesModelSettings.model_validate({"window_size": 300})  # not a setting


def test_a_gap_is_noticed_and_no_change_is_judged_across_it() -> None:
    model = SeriesModel(SeriesModelSettings(warmup=10))
    events = list(pool_events("0x1", 200, seed=3))
    verdicts = [model.process(event.measures, event.event_time) for event in events[:150]]
    assert not any(verdict.after_gap for verdict in verdicts)
    later = events[199]  # 49 steps of 5 minutes missing
    verdict = model.process(later.measures, later.event_time)
    assert verdict.after_gap
    assert all(move.view != "change" for move in verdict.moves)


def test_ratio_measures_are_derived_and_explained() -> None:
    model = SeriesModel(SeriesModelSettings(ratios=(("volume_usd", "tvl_usd"),)))
    events = list(pool_events("0x1", 720, seed=2, spikes=frozenset({700})))
    verdicts = [model.process(event.measures, event.event_time) for event in events]
    assert verdicts[700].is_anomaly
    assert "volume_usd/tvl_usd" in {move.measure for move in verdicts[700].moves}


@pytest.mark.parametrize("seed", [1, 4, 5, 9, 14])
def test_a_joint_departure_inside_each_band_is_seen_by_the_joint_view(seed: int) -> None:
    # Two measures that always move together; at the end they part, each by 2 sd: inside its
    # own band, so only the joint view (Half-Space Trees over both) can call it. It calls
    # 17 of 20 such departures (docs/benchmarks.md); these seeds are ones it calls, and
    # the test pins that it is the joint view, and nothing else, that does.
    verdicts = {}
    for trees in (8, 0):
        rng = random.Random(seed)
        model = SeriesModel(SeriesModelSettings(transform="none", joint_trees=trees))
        for step in range(1701):
            a = rng.gauss(0, 1)
            b = a + rng.gauss(0, 0.1)
            if step == 1700:
                a, b = 2.0, -2.0
            verdict = model.process({"a": 100 + a, "b": 50 + b}, START + step * timedelta(hours=1))
        verdicts[trees] = verdict
    joint, alone = verdicts[8], verdicts[0]
    assert joint.is_anomaly
    assert {move.view for move in joint.moves} == {"joint"}
    assert {move.direction for move in joint.moves} == {"within"}
    assert not alone.is_anomaly, "without the joint view no measure is unusual on its own"


def test_the_first_move_of_a_measure_that_never_moved_is_one_unit() -> None:
    # A young pool's trade count, 1 every interval, then 2: its first move sets its quantum
    # (one trade), so it is not a thousand-sd departure. A move ten times that still is.
    model = SeriesModel(SeriesModelSettings())
    verdicts = [
        model.process({"tx_count": 1.0}, START + step * timedelta(hours=1)) for step in range(40)
    ]
    first_move = model.process({"tx_count": 2.0}, START + 40 * timedelta(hours=1))
    assert not any(verdict.is_anomaly for verdict in [*verdicts, first_move])
    for step in range(41, 60):
        model.process({"tx_count": 1.0 + step % 2}, START + step * timedelta(hours=1))
    burst = model.process({"tx_count": 400.0}, START + 60 * timedelta(hours=1))
    assert burst.is_anomaly


def test_a_few_ticks_on_a_flat_price_do_not_beat_its_records_but_a_real_move_does() -> None:
    # A stablecoin quoted to 4 decimals, a point a minute, a tick from 1.0004 now and then:
    # its spread is the floor (a tick) and its records are the band's edge. A 4-tick dip
    # is 3 ticks net of the price's resolution, no record; a 12-tick dip is one.
    rng = random.Random(3)
    model = SeriesModel(SeriesModelSettings())
    minute = timedelta(minutes=1)
    for step in range(3000):
        ticks = rng.choice((0, 0, 0, 0, 0, 0, 0, 0, 1, -1))
        verdict = model.process({"close": 1.0004 + ticks * 1e-4}, START + step * minute)
        assert not verdict.is_anomaly, f"step {step}: {verdict.explain()}"
    dip = model.process({"close": 1.0}, START + 3000 * minute)
    assert not dip.is_anomaly, dip.explain()
    for step in range(3001, 3400):
        model.process({"close": 1.0004}, START + step * minute)
    drop = model.process({"close": 0.9992}, START + 3400 * minute)
    assert drop.is_anomaly
    assert drop.moves[0].direction == "below"
