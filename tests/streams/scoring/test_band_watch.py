"""The scorer's band watch: after an anomaly, "still out" while the values stay outside the
level bands (or rule bands) they left (on change, then at most once per heartbeat), "back
inside" once, and the episode ends after `resolve_after` inside."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dexwatch.detectors.verdict import MeasureMove, Verdict
from dexwatch.streams.aggregation import ClosedInterval
from dexwatch.streams.incidents.band_status import STATUSES_PER_RECORD, BandTiming, band_timing
from dexwatch.streams.scoring.band_watch import DatasetBandWatch
from dexwatch.streams.scoring.dataset_scorer import ScoredInterval
from tests.streams.incidents.books import dataset

START = datetime(2023, 3, 11, tzinfo=UTC)
STEP = timedelta(minutes=15)
MEASURES = ("price", "volume")
PEG = (0.999, 1.001)  # the price's level band before the depeg
VOLUME = (50.0, 150.0)
NORMAL = Verdict(0.2, 20, False, False, ())


def _timing() -> BandTiming:
    timing = band_timing(dataset("15m", resolve_after="1h"))
    assert timing is not None
    return timing


def _scored(
    step: int,
    price: float,
    verdict: Verdict = NORMAL,
    series: str = "a",
    level: tuple[float, float] = PEG,
    volume: float = 100.0,
) -> ScoredInterval:
    """The interval at `step`, with the model's level bands at that point."""
    start = START + step * STEP
    interval = ClosedInterval(series, {}, start, start + STEP, {"price": price}, 1, ())
    return ScoredInterval(interval, verdict, 0, (price, volume), (level, VOLUME))


def _anomaly(
    value: float,
    band: tuple[float, float] = (0.97, 0.99),
    measure: str = "price",
    view: str = "change",
    by_rule: bool = False,
) -> Verdict:
    """An anomaly of one move: by default a step, whose band follows the previous value."""
    move = MeasureMove(measure, value, band[0], band[1], -9.0, view, by_rule)
    return Verdict(0.9, 90, True, False, (move,))


def _watch() -> DatasetBandWatch:
    return DatasetBandWatch("pools", _timing())


def _statuses(watch: DatasetBandWatch) -> list[tuple[int, tuple[str, ...]]]:
    """(step, measures out) of the statuses taken."""
    return [
        ((status.interval_start - START) // STEP, status.out)
        for record in watch.take()
        for status in record.statuses
    ]


def test_the_timing_follows_resolve_after_and_the_interval() -> None:
    timing = _timing()
    assert timing.heartbeat == timedelta(minutes=30)  # twice within resolve_after
    assert timing.resolve_after == timedelta(hours=1)
    # resolve_after + heartbeat + one interval + the allowed lateness (one interval)
    assert timing.stale_after == timedelta(hours=2)
    short = band_timing(dataset("15m", resolve_after="15m"))
    assert short is not None
    assert short.heartbeat == STEP  # at most once an interval
    assert band_timing(dataset("none")) is None
    assert band_timing(dataset("15m", enabled=False)) is None


def test_a_sustained_departure_reports_still_out_each_heartbeat_then_back_inside_once() -> None:
    watch = _watch()
    watch.observe(_scored(0, 1.0), MEASURES)
    assert watch.episodes == {}  # no anomaly, nothing watched
    watch.observe(_scored(1, 0.9, _anomaly(0.9)), MEASURES)
    for step in range(2, 10):  # the repeat guard holds back further anomalies
        watch.observe(_scored(step, 0.91), MEASURES)
    # the anomaly said "out" at step 1; then every 30 minutes (two intervals)
    assert _statuses(watch) == [(3, ("price",)), (5, ("price",)), (7, ("price",)), (9, ("price",))]
    watch.observe(_scored(10, 1.0), MEASURES)
    watch.observe(_scored(11, 1.0005), MEASURES)
    assert _statuses(watch) == [(10, ())]
    watch.observe(_scored(12, 1.0), MEASURES)
    assert "a" in watch.episodes
    watch.observe(_scored(13, 1.0), MEASURES)  # inside for an hour: the episode is over
    assert watch.episodes == {}
    watch.observe(_scored(14, 0.9), MEASURES)  # without an anomaly, nothing is watched
    assert _statuses(watch) == []


def test_out_again_before_resolve_after_is_reported_at_once() -> None:
    watch = _watch()
    watch.observe(_scored(0, 0.9, _anomaly(0.9)), MEASURES)
    watch.observe(_scored(1, 1.0), MEASURES)
    watch.observe(_scored(2, 1.01), MEASURES)
    watch.observe(_scored(3, 1.01), MEASURES)
    assert _statuses(watch) == [(1, ()), (2, ("price",))]


def test_the_level_band_left_is_watched_not_the_moved_ones_nor_a_step_band() -> None:
    watch = _watch()
    watch.observe(_scored(0, 0.9, _anomaly(0.9)), MEASURES)
    assert watch.episodes["a"].bands == {"price": PEG}  # not the step's band around 0.98
    # a later anomaly, when the model's level has followed the depeg, keeps the peg's band
    watch.observe(_scored(1, 0.95, _anomaly(0.95), level=(0.85, 0.93)), MEASURES)
    assert watch.episodes["a"].bands == {"price": PEG}
    watch.observe(_scored(2, 0.95, _anomaly(120.0, measure="volume")), MEASURES)
    assert watch.episodes["a"].bands == {"price": PEG}  # volume 100 was inside its level band
    volume = _anomaly(400.0, measure="volume", view="level")
    watch.observe(_scored(3, 0.95, volume, volume=400.0), MEASURES)
    assert watch.episodes["a"].bands == {"price": PEG, "volume": VOLUME}
    watch.observe(_scored(4, 1.0, volume=400.0), MEASURES)
    assert _statuses(watch) == [(4, ("volume",))]


def test_a_rule_watches_its_own_band() -> None:
    watch = _watch()
    threshold = _anomaly(0.98, band=(0.99, 1.01), view="threshold", by_rule=True)
    watch.observe(_scored(0, 0.98, threshold, level=(0.9, 1.1)), MEASURES)
    assert watch.episodes["a"].bands == {"price": (0.99, 1.01)}
    watch.observe(_scored(1, 0.995), MEASURES)
    assert _statuses(watch) == [(1, ())]


def test_anomalies_with_no_measure_outside_a_band_or_no_input_open_no_episode() -> None:
    watch = _watch()
    watch.observe(_scored(0, 1.0, _anomaly(1.0)), MEASURES)  # a step inside the level band
    watch.observe(_scored(1, 0.9, _anomaly(5.0, measure="price/volume")), MEASURES)  # a ratio
    young = (float("nan"), float("nan"))  # the level view has no band yet
    watch.observe(_scored(2, 0.9, _anomaly(0.9), level=young), MEASURES)
    warming = Verdict(0.0, 0, False, True, ())
    watch.observe(_scored(3, 0.9, warming), MEASURES)
    assert watch.episodes == {}
    assert watch.take() == []


def test_many_series_out_travel_in_few_records_and_silent_series_are_forgotten() -> None:
    watch = _watch()
    count = STATUSES_PER_RECORD + 10
    for index in range(count):
        watch.observe(_scored(0, 0.9, _anomaly(0.9), series=f"s{index}"), MEASURES)
    for index in range(count):
        watch.observe(_scored(1, 1.0, series=f"s{index}"), MEASURES)
    records = watch.take()
    assert [len(record.statuses) for record in records] == [STATUSES_PER_RECORD, 10]
    assert {record.dataset for record in records} == {"pools"}
    assert len(watch.episodes) == count
    watch.observe(_scored(20, 1.0, series="s0"), MEASURES)  # five hours later
    watch.take()
    assert watch.episodes == {}  # s0's is over (inside an hour), the others' unheard: dropped
