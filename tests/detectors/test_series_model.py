"""The per-series model: warm-up, verdicts, explanations, and the measure-set contract."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from detectors.series_model import SeriesModel, SeriesModelSettings
from schemas.errors import DetectorInputError
from tests.series_data import START, pool_events


def _run(model: SeriesModel, steps: int, spikes: frozenset[int]) -> list[tuple[int, bool, bool]]:
    return [
        (step, verdict.warming_up, verdict.is_anomaly)
        for step, event in enumerate(pool_events("0x1", steps, seed=1, spikes=spikes))
        for verdict in [model.process(event.measures, event.event_time)]
    ]


def test_no_verdict_while_warming_up_then_verdicts() -> None:
    settings = SeriesModelSettings()
    results = _run(SeriesModel(settings), 400, frozenset())
    first_verdict = settings.warmup + settings.calibration_min_history
    assert all(warming for step, warming, _ in results if step < first_verdict)
    assert not any(warming for step, warming, _ in results if step >= first_verdict)
    assert not any(anomalous for _, _, anomalous in results), "clean data raised an anomaly"


def test_a_spike_is_flagged_and_explained() -> None:
    model = SeriesModel(SeriesModelSettings())
    events = list(pool_events("0x1", 420, seed=2, spikes=frozenset({400})))
    verdicts = [model.process(event.measures, event.event_time) for event in events]
    flagged = [step for step, verdict in enumerate(verdicts) if verdict.is_anomaly]
    assert flagged == [400]
    spike = verdicts[400]
    assert spike.score >= 0.99
    assert 50 <= spike.severity <= 100
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
    with pytest.raises(ValidationError, match="warmup must be at least window_size"):
        SeriesModelSettings(window_size=300, warmup=100)
    with pytest.raises(ValidationError, match="tail_quantile"):
        SeriesModelSettings(tail_quantile=1.5)
