"""The compiled series model through its bank: views, arithmetic, batches, state, memory."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pytest

from dexwatch.detectors import kernel_params as params
from dexwatch.detectors.series_bank import BankOutput, SeriesBank, empty_state, read_state
from dexwatch.detectors.series_layout import (
    JOINT_RECORD,
    SAY_UNKNOWN,
    VIEWS,
    sliding_maximum_size,
)
from dexwatch.detectors.series_model import SeriesModel, SeriesModelSettings, epoch_seconds
from dexwatch.detectors.state_codec import encode_state
from dexwatch.schemas.errors import DetectorInputError, StateFormatError

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
STEP_S = 300.0
LEVEL, CHANGE, SMOOTHED, DAY, WEEK = range(len(VIEWS))
OLD_TAIL = 4  # floats of a tail before layout 6 (no run held back)


def _daily(steps: int, seed: int, start: int = 0) -> npt.NDArray[np.float64]:
    rng = np.random.default_rng(seed)
    hours = (np.arange(start, start + steps) * STEP_S / 3600.0) % 24
    return 10 + 3 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 0.2, steps)


def _bank(settings: SeriesModelSettings | None = None, series: int = 1) -> SeriesBank:
    bank = SeriesBank(settings or SeriesModelSettings(transform="none"), ["value"])
    for _ in range(series):
        bank.add()
    return bank


def _feed(bank: SeriesBank, values: npt.NDArray[np.float64], first_step: int = 0) -> BankOutput:
    times = epoch_seconds(START) + STEP_S * np.arange(first_step, first_step + len(values))
    return bank.process(np.zeros(len(values), dtype=np.int64), times, values[:, None])


def test_a_spike_sets_records_and_a_normal_value_does_not() -> None:
    bank = _bank()
    _feed(bank, _daily(3000, seed=5))
    normal = bank.process(
        np.zeros(1, dtype=np.int64),
        np.array([epoch_seconds(START) + 3000 * STEP_S]),
        _daily(1, seed=6, start=3000)[:, None],
    )
    assert np.nanmax(normal.views[0, 0, :, params.OUT_RATIO]) < 1.0
    spike = bank.process(
        np.zeros(1, dtype=np.int64),
        np.array([epoch_seconds(START) + 3001 * STEP_S]),
        np.array([[25.0]]),
    )
    views = spike.views[0, 0]
    assert views[CHANGE, params.OUT_RATIO] > 1.0
    assert views[DAY, params.OUT_RATIO] > 1.5
    assert views[DAY, params.OUT_HIGH] < 25.0
    assert spike.scores[0] > 0.6


def test_bands_are_the_exponentially_weighted_mean_and_variance() -> None:
    settings = SeriesModelSettings(transform="none", level_span=9, warmup=1)
    bank = _bank(settings)
    values = np.array([1.0, 3.0, 2.0, 6.0] * 10)
    _feed(bank, values)
    # Exponentially weighted once it has seen 1 / alpha points; the plain mean before (an EWM
    # started from nothing would hold a variance biased towards zero).
    mean, variance = values[0], 0.0
    for seen, value in enumerate(values[1:], start=1):
        alpha = max(2.0 / (9 + 1), 1.0 / (seen + 1))
        difference = value - mean
        mean += alpha * difference
        variance = (1 - alpha) * (variance + difference * alpha * difference)
    out = _feed(bank, np.array([4.0]), first_step=40)
    deviation = out.views[0, 0, LEVEL, params.OUT_DEVIATION]
    assert deviation == pytest.approx((4.0 - mean) / math.sqrt(variance), rel=1e-12)
    low, high = out.views[0, 0, LEVEL, params.OUT_LOW], out.views[0, 0, LEVEL, params.OUT_HIGH]
    assert (low + high) / 2 == pytest.approx(mean, rel=1e-12)
    assert (high - low) / 2 == pytest.approx(3.0 * math.sqrt(variance), rel=1e-12)


def test_the_week_profile_sees_a_weekday_that_looks_like_a_sunday() -> None:
    """Busy weekdays, quiet weekends: a quiet Thursday is normal for the hour, not the day."""
    settings = SeriesModelSettings(transform="none", warmup=1)
    bank = _bank(settings)
    steps = (5 * 7 + 3) * 24 + 12  # five weeks, hourly, then to Thursday noon
    times = epoch_seconds(START) + 3600.0 * np.arange(steps + 1)
    weekday = ((times // 86400) + 3) % 7
    rng = np.random.default_rng(3)
    values = np.where(weekday < 5, 100.0, 60.0) + rng.normal(0, 2.0, steps + 1)
    values[-1] = 60.0  # a Thursday that looks like a weekend day
    assert weekday[-1] == 3
    out = bank.process(np.zeros(steps + 1, dtype=np.int64), times, values[:, None])
    last = out.views[-1, 0]
    assert abs(last[WEEK, params.OUT_DEVIATION]) > 5
    assert last[WEEK, params.OUT_RATIO] > 1.0
    assert last[WEEK, params.OUT_LOW] > 60.0 > last[LEVEL, params.OUT_LOW]


def test_no_change_view_across_a_gap() -> None:
    bank = _bank()
    _feed(bank, _daily(300, seed=7))
    out = _feed(bank, np.array([12.0]), first_step=900)
    assert out.flags[0] & 2, "the point after a gap is flagged"
    assert math.isnan(out.views[0, 0, CHANGE, params.OUT_DEVIATION])
    assert not math.isnan(out.views[0, 0, LEVEL, params.OUT_DEVIATION])


def test_the_repeat_guard_damps_a_score_that_does_not_beat_the_recent_ones() -> None:
    settings = SeriesModelSettings(transform="none", repeat_damping=0.5)
    bank = _bank(settings)
    _feed(bank, _daily(2000, seed=8))
    first = _feed(bank, np.array([40.0]), first_step=2000)
    _feed(bank, _daily(5, seed=9, start=2001), first_step=2001)
    second = _feed(bank, np.array([40.0]), first_step=2006)
    assert first.scores[0] > 0.6
    assert not first.flags[0] & 4
    assert second.flags[0] & 4, "the second, equal spike is a repeat"
    assert second.scores[0] < first.scores[0] * 0.5 + 1e-12


def test_the_repeat_guard_forgets_within_about_its_span_of_time() -> None:
    # A daily series: a larger spike ten days later is a new alert, not a repeat of the first
    # (in points, the guard's 150 would be five months). Ten, not fewer: for `smooth_points`
    # (6) days the smoothed view's mean still holds the first spike, the same departure.
    settings = SeriesModelSettings(transform="none", repeat_damping=0.5, repeat_span_hours=24)
    bank = SeriesBank(settings, ["value"])
    bank.add()
    day = 86_400.0
    rng = np.random.default_rng(3)
    values = np.concatenate([10 + rng.normal(0, 0.2, 400), [40.0], 10 + rng.normal(0, 0.2, 9)])
    values = np.concatenate([values, [160.0]])
    times = epoch_seconds(START) + day * np.arange(len(values))
    out = bank.process(np.zeros(len(values), dtype=np.int64), times, values[:, None])
    first, second = 400, len(values) - 1
    assert out.scores[first] > 0.6
    assert not out.flags[first] & 4
    assert not out.flags[second] & 4, "ten days later the guard no longer holds the first spike"
    assert out.scores[second] > settings.alert_threshold
    # With the span off, the guard counts points only and damps the second spike.
    points_only = SeriesBank(settings.model_copy(update={"repeat_span_hours": 0.0}), ["value"])
    points_only.add()
    held = points_only.process(np.zeros(len(values), dtype=np.int64), times, values[:, None])
    assert held.flags[second] & 4


def test_a_departure_that_goes_on_alerts_at_its_onset_not_at_every_new_decimal() -> None:
    # A peg, then two days about 10% below it (the shape of USDC's SVB depeg), 15-minute points.
    # The smoothed view's mean leaves the peg over hours and its ratio grows past 100: scores
    # creep towards 1 (0.994, 0.995, ...). Only a higher severity is a new alert.
    rng = np.random.default_rng(13)
    peg = 1.0 + rng.uniform(-2e-4, 2e-4, 400)
    out_of_peg = 0.90 + rng.uniform(-0.02, 0.02, 188)
    values = np.concatenate([peg, [0.985, 0.95, 0.92, 0.905], out_of_peg])
    settings = SeriesModelSettings()
    bank = SeriesBank(settings, ["price"])
    bank.add()
    times = epoch_seconds(START) + 900.0 * np.arange(len(values))
    out = bank.process(np.zeros(len(values), dtype=np.int64), times, values[:, None])
    alerts = np.flatnonzero(out.scores >= settings.alert_threshold)
    assert alerts.min() == 400, "the onset alerts"
    assert alerts.max() < 400 + 8, "and the two days out do not alert again"
    # It stays visible while it lasts: held back as a repeat, not learnt as normal.
    undamped = np.where(out.flags & 4, out.scores / settings.repeat_damping, out.scores)
    assert (undamped[420:] > 0.9).all()


def test_a_ratio_over_zero_is_skipped_not_refused() -> None:
    settings = SeriesModelSettings(ratios=(("volume", "tvl"),), warmup=1)
    bank = SeriesBank(settings, ["volume", "tvl"])
    bank.add()
    out = bank.process(
        np.zeros(3, dtype=np.int64),
        np.array([0.0, 60.0, 120.0]),
        np.array([[0.0, 1.0], [0.0, 2.0], [0.0, 3.0]]),  # sorted: tvl (zero), volume
    )
    assert bank.measures == ("tvl", "volume", "volume/tvl")
    assert np.isnan(out.views[:, 2]).all()
    assert np.isfinite(out.scores).all()


def test_a_ratio_of_an_unknown_measure_is_refused_naming_it() -> None:
    with pytest.raises(DetectorInputError, match="needs measure 'fees'"):
        SeriesBank(SeriesModelSettings(ratios=(("fees", "tvl"),)), ["tvl"])


def test_a_batch_of_interleaved_series_equals_each_series_alone() -> None:
    settings = SeriesModelSettings(warmup=50)
    n_series, steps = 4, 300
    data = np.stack([_daily(steps, seed=20 + series) * (series + 1) for series in range(n_series)])
    together = _bank(settings, n_series)
    rows = np.tile(np.arange(n_series), steps)
    times = np.repeat(epoch_seconds(START) + STEP_S * np.arange(steps), n_series)
    joint = together.process(rows, times, data.T.reshape(-1, 1))
    for series in range(n_series):
        alone = _bank(settings)
        out = _feed(alone, data[series])
        np.testing.assert_array_equal(joint.scores[rows == series], out.scores)


def test_a_row_saved_and_restored_scores_the_same_next_points() -> None:
    bank = _bank(series=2)
    _feed(bank, _daily(900, seed=11))
    saved = bank.to_state(0)
    other = _bank()
    other.restore(0, saved)
    later = _daily(50, seed=12, start=900)
    np.testing.assert_array_equal(
        _feed(bank, later, first_step=900).views, _feed(other, later, first_step=900).views
    )
    assert len(saved) == len(bank.to_state(1)), "the state has a fixed size"


def test_a_state_of_other_settings_or_bytes_is_refused() -> None:
    bank = _bank()
    _feed(bank, _daily(10, seed=13))
    saved = bank.to_state(0)
    other = SeriesBank(SeriesModelSettings(transform="none", warmup=7), ["value"])
    other.add()
    with pytest.raises(StateFormatError, match="other settings or measures"):
        other.restore(0, saved)
    with pytest.raises(StateFormatError):
        bank.restore(0, saved[:-5])
    assert read_state(empty_state(SeriesModelSettings()))[1] == ()


def test_the_layout_is_what_the_memory_budget_says() -> None:
    # 8 KB resident per warmed-up series of three measures (bench/memory), about 0.3 KB of
    # which is the bank's bookkeeping beyond the arrays.
    bank = SeriesBank(SeriesModelSettings(), ["tvl_usd", "tx_count", "volume_usd"])
    assert bank.layout.bytes_per_series() <= 7_750
    for _ in range(3):
        bank.add()
    assert bank.nbytes == 3 * bank.layout.bytes_per_series()


def test_bad_inputs_are_refused_clearly() -> None:
    bank = _bank()
    with pytest.raises(DetectorInputError, match="finite"):
        bank.process(np.zeros(1, dtype=np.int64), np.array([0.0]), np.array([[math.nan]]))
    with pytest.raises(DetectorInputError, match=r"rows must be in 0\.\.0"):
        bank.process(np.array([1]), np.array([0.0]), np.array([[1.0]]))
    with pytest.raises(DetectorInputError, match="expected 1 times"):
        bank.process(np.zeros(1, dtype=np.int64), np.array([0.0, 1.0]), np.array([[1.0]]))


def test_process_points_equals_process_one_by_one() -> None:
    settings = SeriesModelSettings(warmup=100)
    values = _daily(400, seed=14)
    points = [
        ({"value": float(value)}, START + timedelta(seconds=STEP_S * step))
        for step, value in enumerate(values)
    ]
    one_by_one = SeriesModel(settings)
    batch = SeriesModel(settings)
    assert [one_by_one.process(*point) for point in points] == batch.process_points(points)


def test_the_smoothed_level_never_spans_a_gap() -> None:
    settings = SeriesModelSettings(transform="none", smooth_points=6)
    bank = _bank(settings)
    _feed(bank, np.full(100, 10.0))
    _feed(bank, np.array([30.0]), first_step=500)  # after a gap: the ring restarts here
    out = _feed(bank, np.array([30.0]), first_step=501)
    smoothed_low = out.views[0, 0, SMOOTHED, params.OUT_LOW]
    smoothed_high = out.views[0, 0, SMOOTHED, params.OUT_HIGH]
    assert smoothed_low <= smoothed_high
    # Had the ring kept the values before the gap, the smoothed value would be (4*10+2*30)/6.
    deviation = out.views[0, 0, SMOOTHED, params.OUT_DEVIATION]
    mean = (smoothed_low + smoothed_high) / 2
    spread = (smoothed_high - smoothed_low) / 6
    assert spread > 0
    assert (mean + deviation * spread) == pytest.approx(30.0)


def test_series_count_as_warming_until_they_have_seen_a_record_horizon() -> None:
    settings = SeriesModelSettings(record_block=10, record_blocks=3, warmup=5)
    bank = _bank(settings, series=2)  # the second series sees nothing
    _feed(bank, np.arange(29.0))
    assert bank.warming_count() == 2
    _feed(bank, np.array([29.0]), first_step=29)
    assert bank.warming_count() == 1  # row 0 has seen 30 points = 10 * 3


def _with_block_maxima(bank: SeriesBank, small: npt.NDArray[np.float64]) -> npt.NDArray[Any]:
    """`small` as layout 3 and older kept it: each record as block maxima (filled with 7s)."""
    before = replace(
        bank.layout,
        record_floats=sliding_maximum_size(bank.layout.record_blocks),
        transform_floats=0,
    )
    older = np.full(before.small_size, 7.0)
    kept = bank.layout.joint_base + JOINT_RECORD
    older[:kept] = small[:kept]
    for measure in range(bank.layout.n_measures):
        base, old_base = bank.layout.measure_base(measure), before.measure_base(measure)
        older[old_base : old_base + bank.layout.records] = small[base : base + bank.layout.records]
    return older


def _young_records(bank: SeriesBank) -> None:
    """Zero row 0's records, as a state saved before layout 4 restores them."""
    bank._small[0, bank.layout.joint_base + JOINT_RECORD : bank.layout.header_size] = 0.0
    for measure in range(bank.layout.n_measures):
        at = bank.layout.measure_base(measure) + bank.layout.records
        bank._small[0, at : at + len(VIEWS) * bank.layout.record_size] = 0.0


def _with_tails_of_four(
    bank: SeriesBank, small: npt.NDArray[np.float64], transform: bool
) -> npt.NDArray[np.float64]:
    """`small` as layouts 5 (`transform`) and 4 kept it: each tail in four floats (no run held
    back), and in layout 4 no transform slots."""
    layout = bank.layout
    before = replace(
        layout,
        record_floats=OLD_TAIL,
        transform_floats=layout.transform_floats if transform else 0,
    )
    older = np.zeros(before.small_size)
    joint = layout.joint_base + JOINT_RECORD
    older[: joint + OLD_TAIL] = small[: joint + OLD_TAIL]
    for measure in range(layout.n_measures):
        base, old_base = layout.measure_base(measure), before.measure_base(measure)
        older[old_base : old_base + layout.records] = small[base : base + layout.records]
        for view in range(len(VIEWS)):
            at = base + layout.records + view * layout.record_size
            old_at = old_base + before.records + view * OLD_TAIL
            older[old_at : old_at + OLD_TAIL] = small[at : at + OLD_TAIL]
        slots = before.transform_floats
        older[old_base + before.transform : old_base + before.measure_size] = small[
            base + layout.transform : base + layout.transform + slots
        ]
    return older


def _no_runs(bank: SeriesBank) -> None:
    """Zero row 0's runs held back, as a state saved before layout 6 restores them."""
    layout = bank.layout
    starts = [layout.joint_base + JOINT_RECORD]
    for measure in range(layout.n_measures):
        base = layout.measure_base(measure) + layout.records
        starts += [base + view * layout.record_size for view in range(len(VIEWS))]
    for start in starts:
        bank._small[0, start + OLD_TAIL : start + layout.record_size] = 0.0


@pytest.mark.parametrize(("layout", "transform"), [(5, "auto"), (4, "none")])
def test_a_layout_4_or_5_state_restores_whole_with_no_run_held_back(
    layout: int, transform: Literal["auto", "none"]
) -> None:
    """Layouts 4 and 5 kept each tail in four floats, with no run held back; layout 4 had no
    transform slots either (states then were saved with "signed_log" or "none", which do not
    use them). Everything restores as it was, no run in progress."""
    settings = SeriesModelSettings(transform=transform)
    bank = _bank(settings)
    values = _daily(3000, seed=25)
    values[2990:] += 50.0  # a departure under way when the state is saved: a run held back
    _feed(bank, values)
    _, inputs, state = read_state(bank.to_state(0))
    arrays = {name: state.array(name) for name in ("small", "profiles", "counts", "joint")}
    small = arrays["small"]
    arrays["small"] = _with_tails_of_four(bank, small, transform=layout == 5)
    saved = encode_state("series_model", state.params, arrays, {"measures": inputs}, layout=layout)
    other = _bank(settings)
    other.restore(0, saved)
    held_back = bank._small[0].copy()
    _no_runs(bank)
    assert not np.array_equal(held_back, bank._small[0])  # the run was real
    np.testing.assert_array_equal(other._small[0], bank._small[0])
    later = _daily(20, seed=26, start=3000)
    np.testing.assert_array_equal(
        _feed(bank, later, first_step=3000).views, _feed(other, later, first_step=3000).views
    )
    arrays["small"] = small  # a layout-6 row said to be older
    mislabelled = encode_state(
        "series_model", state.params, arrays, {"measures": inputs}, layout=layout
    )
    with pytest.raises(StateFormatError, match=rf"its layout \({layout}\) needs"):
        _bank(settings).restore(0, mislabelled)


def test_a_layout_3_state_restores_with_young_records() -> None:
    """Before layout 4 a record was block maxima, which say nothing of a tail: everything else
    restores as it was, and the records start young."""
    bank = _bank()
    _feed(bank, _daily(3000, seed=23))
    _, inputs, state = read_state(bank.to_state(0))
    arrays = {name: state.array(name) for name in ("small", "profiles", "counts", "joint")}
    arrays["small"] = _with_block_maxima(bank, arrays["small"])
    older = encode_state("series_model", state.params, arrays, {"measures": inputs}, layout=3)
    other = _bank()
    other.restore(0, older)
    _young_records(bank)
    np.testing.assert_array_equal(other._small[0], bank._small[0])
    later = _daily(20, seed=24, start=3000)
    np.testing.assert_array_equal(
        _feed(bank, later, first_step=3000).views, _feed(other, later, first_step=3000).views
    )
    arrays["small"] = arrays["small"][:-1]
    cut = encode_state("series_model", state.params, arrays, {"measures": inputs}, layout=3)
    with pytest.raises(StateFormatError, match="floats a series"):
        _bank().restore(0, cut)


def test_a_layout_2_state_restores_and_takes_its_says_again() -> None:
    """States saved before the slot views' says (layout 2) lack them: they restore as unknown,
    and the first point within its bands takes them again from the restored profile."""
    bank = _bank()
    _feed(bank, _daily(3000, seed=21))
    _, inputs, state = read_state(bank.to_state(0))
    arrays = {name: state.array(name) for name in ("small", "profiles", "counts", "joint")}
    arrays["counts"] = arrays["counts"][: bank.layout.says]
    arrays["small"] = _with_block_maxima(bank, arrays["small"])
    older = encode_state("series_model", state.params, arrays, {"measures": inputs}, layout=2)
    other = _bank()
    other.restore(0, older)
    assert (other._counts[0, bank.layout.says :] == SAY_UNKNOWN).all()
    bank._counts[0, bank.layout.says :] = SAY_UNKNOWN  # as if it too had been saved before
    _young_records(bank)
    later = _daily(20, seed=22, start=3000)
    np.testing.assert_array_equal(
        _feed(bank, later, first_step=3000).views, _feed(other, later, first_step=3000).views
    )
    with pytest.raises(StateFormatError, match="layout 1 is not one of"):
        read_state(encode_state("series_model", state.params, arrays, layout=1))
