"""Many series of one measure set in three flat arrays, scored by one compiled loop.

This is how a worker holds 100,000 series: a row per series, no Python object per series, and
a batch of points from many series scored in one call (`process`). `SeriesModel` is the same
thing for one series. A row saves to and restores from the versioned state format.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from dexwatch.detectors import kernel_params as params
from dexwatch.detectors import series_kernel as kernel
from dexwatch.detectors.half_space_trees import Trees, shared_trees
from dexwatch.detectors.series_layout import (
    CLOCK_SEEN,
    JOINT_RECORD,
    SAY_UNKNOWN,
    VIEWS,
    SeriesLayout,
    sliding_maximum_size,
)
from dexwatch.detectors.series_settings import SeriesModelSettings
from dexwatch.detectors.signed_log import signed_log_inverse
from dexwatch.detectors.state_codec import DecodedState, decode_state, encode_state, register_kind
from dexwatch.detectors.verdict import MeasureMove, Verdict
from dexwatch.schemas.errors import DetectorInputError, StateFormatError

__all__ = [
    "BankOutput",
    "SeriesBank",
    "empty_state",
    "measure_names",
    "read_state",
    "record_horizon",
    "young_record",
]

_KIND = "series_model"
# 2: each measure keeps its quantum; 3: and the say of its slot views; 4: records are tails;
# 5: each measure has its transform slots (transform "auto"); 6: a tail holds back a run
_LAYOUT = 6
_SAYS_FROM = 3  # layout 2 states lack the says: read as unknown, taken at the next point
_TAILS_FROM = 4  # older states kept block maxima: their records start young again
_TRANSFORM_FROM = 5  # older states have no transform slots (they were saved with no "auto")
_RUNS_FROM = 6  # older tails hold no run back (4 floats): restored with none in progress
_TAIL_FLOATS_BEFORE_RUNS = 4
_READABLE_LAYOUTS = (2, 3, 4, 5, _LAYOUT)
_MIN_BAND_POINTS = 20  # a band's spread is too young to divide by before this
_MIN_DAY_POINTS = 3
_MIN_WEEK_POINTS = 3
_SLOT_SPREAD_FLOOR = 0.25  # a slot's sd is at least this fraction of the overall sd
_WEEK_SLOTS = 7 * 24
_JOINT_SEED = 42  # every series of a measure count shares one forest (`shared_trees`)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


def measure_names(measures: Sequence[str], settings: SeriesModelSettings) -> tuple[str, ...]:
    """The measures a model keeps: the input ones, sorted, then each ratio `a/b`."""
    names = tuple(sorted(measures))
    for numerator, denominator in settings.ratios:
        for part in (numerator, denominator):
            if part not in names:
                raise DetectorInputError(
                    f"ratio {numerator}/{denominator} needs measure {part!r}, "
                    f"which the series does not have (it has {list(names)})"
                )
    return names + tuple(f"{a}/{b}" for a, b in settings.ratios)


@dataclass(frozen=True, slots=True)
class BankOutput:
    """Per point: the score, flags (see `series_kernel.process_points`) and every view."""

    scores: Floats
    flags: npt.NDArray[np.uint8]
    views: Floats  # [point, measure, view, OUT_*]
    joint: Floats  # [point, (ratio, surprise)], NaN where the joint view said nothing


@dataclass(frozen=True, slots=True)
class _Plan:
    """What every bank of the same settings and measures shares (read-only)."""

    inputs: tuple[str, ...]
    measures: tuple[str, ...]
    layout: SeriesLayout
    fparams: Floats
    iparams: npt.NDArray[np.int64]
    ratio_columns: tuple[tuple[int, int], ...]
    trees: Trees


@functools.lru_cache(maxsize=256)
def _plan(settings: SeriesModelSettings, inputs: tuple[str, ...]) -> _Plan:
    # Shared: a worker holding one `SeriesModel` per series pays for this once, not per series.
    if not inputs:
        raise DetectorInputError("a series needs at least one measure")
    measures = measure_names(inputs, settings)
    # The joint view needs two measures to be joint about.
    joint_trees = settings.joint_trees if len(measures) >= 2 else 0
    layout = SeriesLayout(
        n_measures=len(measures),
        smooth_points=settings.smooth_points,
        record_blocks=settings.record_blocks,
        repeat_blocks=settings.repeat_blocks,
        day_slots=settings.slots_per_day,
        week_slots=_WEEK_SLOTS,
        joint_trees=joint_trees,
        joint_height=settings.joint_height if joint_trees else 0,
    )
    fparams, iparams = _parameters(settings, layout)
    fparams.flags.writeable = False
    iparams.flags.writeable = False
    ratio_columns = tuple((inputs.index(a), inputs.index(b)) for a, b in settings.ratios)
    if joint_trees:
        trees = shared_trees(len(measures), joint_trees, settings.joint_height, _JOINT_SEED)
    else:  # no trees: the kernel is never asked to walk them
        trees = Trees(np.zeros((0, 1), dtype=np.int64), np.zeros((0, 1)))
    return _Plan(inputs, measures, layout, fparams, iparams, ratio_columns, trees)


class SeriesBank:
    """Series models for the measures `inputs` (plus `settings.ratios`), one row each."""

    def __init__(
        self, settings: SeriesModelSettings, inputs: Sequence[str], capacity: int = 16
    ) -> None:
        self.settings = settings
        plan = _plan(settings, tuple(sorted(inputs)))
        self.inputs, self.measures, self.layout = plan.inputs, plan.measures, plan.layout
        self._fparams, self._iparams = plan.fparams, plan.iparams
        self._ratio_columns = plan.ratio_columns
        self._trees = plan.trees
        self._size = 0
        self._small = np.zeros((max(capacity, 1), self.layout.small_size), dtype=np.float64)
        self._profiles = np.zeros((max(capacity, 1), self.layout.profile_size), dtype=np.float32)
        self._counts = np.zeros((max(capacity, 1), self.layout.counts_size), dtype=np.uint8)
        self._joint = np.zeros((max(capacity, 1), self.layout.joint_size), dtype=np.uint8)

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        """Bytes held for the rows in use."""
        return self._size * self.layout.bytes_per_series()

    def add(self) -> int:
        """A new, untrained series; returns its row."""
        if self._size == self._small.shape[0]:
            grown = max(16, self._size * 2)
            self._small = _grown(self._small, grown)
            self._profiles = _grown(self._profiles, grown)
            self._counts = _grown(self._counts, grown)
            self._joint = _grown(self._joint, grown)
        self._size += 1
        return self._size - 1

    def row_clock(self, row: int) -> Floats:
        """The series-wide part of a row (see `series_layout.CLOCK_*`), read-only."""
        clock = self._small[self._checked(row), : self.layout.header_size]
        clock.flags.writeable = False
        return clock

    def points_seen(self, row: int) -> int:
        return int(self._small[self._checked(row), CLOCK_SEEN])

    def warming_count(self) -> int:
        """Rows that have seen fewer points than a record horizon: not yet at full sensitivity."""
        seen = self._small[: self._size, CLOCK_SEEN]
        return int(np.count_nonzero(seen < record_horizon(self.settings)))

    def warming_up(self, row: int) -> bool:
        return self.points_seen(row) < self.settings.warmup

    def columns(self, inputs: Floats) -> Floats:
        """Input columns (in `self.inputs` order) plus the ratio columns (NaN over zero)."""
        if not self._ratio_columns:
            return inputs
        ratios = np.empty((inputs.shape[0], len(self._ratio_columns)))
        for column, (a, b) in enumerate(self._ratio_columns):
            with np.errstate(divide="ignore", invalid="ignore"):
                ratios[:, column] = np.where(inputs[:, b] != 0, inputs[:, a] / inputs[:, b], np.nan)
        return np.hstack([inputs, ratios])

    def process(
        self, rows: npt.ArrayLike, times: npt.ArrayLike, inputs: npt.ArrayLike
    ) -> BankOutput:
        """Score then learn each point: `rows[i]`'s series, at `times[i]` (Unix seconds).

        `inputs[i]` holds the measures in `self.inputs` order; all must be finite.
        """
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        times = np.ascontiguousarray(times, dtype=np.float64)
        inputs = np.ascontiguousarray(inputs, dtype=np.float64)
        n = len(rows)
        if times.shape != (n,) or inputs.shape != (n, len(self.inputs)):
            raise DetectorInputError(
                f"expected {n} times and {n} x {len(self.inputs)} measures, "
                f"got {times.shape} and {inputs.shape}"
            )
        if n and (rows.min() < 0 or rows.max() >= self._size):
            raise DetectorInputError(f"rows must be in 0..{self._size - 1}")
        if not (np.isfinite(inputs).all() and np.isfinite(times).all()):
            raise DetectorInputError("measures and times must be finite numbers")
        return self.process_checked(rows, times, inputs)

    def process_checked(self, rows: Ints, times: Floats, inputs: Floats) -> BankOutput:
        """`process` for arrays already checked: contiguous, of the right types and shapes, rows
        in range, every number finite (one event at a time, the checks cost more than the
        scoring)."""
        n = len(rows)
        values = np.ascontiguousarray(self.columns(inputs))
        output = BankOutput(
            np.empty(n),
            np.empty(n, dtype=np.uint8),
            np.empty((n, len(self.measures), len(VIEWS), params.N_OUT)),
            np.empty((n, 2)),
        )
        masses = self._joint.reshape(
            self._joint.shape[0], 2, self.layout.joint_trees, self.layout.joint_leaves
        )
        kernel.process_points(
            self._small,
            self._profiles,
            self._counts,
            rows,
            times,
            values,
            self._fparams,
            self._iparams,
            masses,
            self._trees.feature,
            self._trees.threshold,
            output.scores,
            output.flags,
            output.views,
            output.joint,
        )
        return output

    def verdict(self, output: BankOutput, index: int, values: Floats) -> Verdict:
        """The verdict on point `index` of `output`; `values` are its measures (with ratios)."""
        flags = int(output.flags[index])
        after_gap = bool(flags & 2)
        if not flags & 1:
            return Verdict(0.0, 0, False, True, (), after_gap)
        score = float(output.scores[index])
        is_anomaly = score >= self.settings.alert_threshold
        moves = self._moves(output, index, values) if is_anomaly else ()
        return Verdict(score, min(100, round(100 * score)), is_anomaly, False, moves, after_gap)

    def level_bands(self, output: BankOutput, index: int) -> tuple[tuple[float, float], ...]:
        """Point `index`'s level band per input measure (in `self.inputs` order), in the
        measure's own units; NaN edges while the view has none (warming up)."""
        cells = output.views[index, : len(self.inputs), VIEWS.index("level")]
        return tuple(
            (
                _backward(cell, float(cell[params.OUT_LOW])),
                _backward(cell, float(cell[params.OUT_HIGH])),
            )
            for cell in cells
        )

    def _moves(self, output: BankOutput, index: int, values: Floats) -> tuple[MeasureMove, ...]:
        views = output.views[index]
        ratios = views[:, :, params.OUT_RATIO]
        joint = float(output.joint[index, 0])
        if joint == joint and joint > np.nanmax(ratios, initial=0.0):
            return self._joint_moves(views, values)
        order = np.argsort(-np.nan_to_num(ratios, nan=-1.0), axis=None)
        chosen: list[MeasureMove] = []
        for flat in order:
            measure, view = divmod(int(flat), len(VIEWS))
            ratio = ratios[measure, view]
            if ratio != ratio or any(m.measure == self.measures[measure] for m in chosen):
                continue  # one line per measure: its most surprising view
            if chosen and ratio < 1.0:
                break  # beyond the first, only views that set a record
            cell = views[measure, view]
            # Value and band on one scale, the measure's own units: the value is the one the
            # view judged (the recent mean for `smoothed`), taken back through the transform
            # as the band is.
            judged = float(values[measure])
            if VIEWS[view] == "smoothed":
                judged = _backward(cell, float(cell[params.OUT_VALUE]))
            chosen.append(
                MeasureMove(
                    measure=self.measures[measure],
                    value=judged,
                    expected_low=_backward(cell, float(cell[params.OUT_LOW])),
                    expected_high=_backward(cell, float(cell[params.OUT_HIGH])),
                    deviation=float(cell[params.OUT_DEVIATION]),
                    view=VIEWS[view],
                )
            )
            if len(chosen) == self.settings.max_contributions:
                break
        return tuple(chosen)

    def _joint_moves(self, views: Floats, values: Floats) -> tuple[MeasureMove, ...]:
        """The measures that stood furthest from their levels, when together they were the
        surprise: each may be inside its own band."""
        level = VIEWS.index("level")
        deviations = np.nan_to_num(np.abs(views[:, level, params.OUT_DEVIATION]), nan=-1.0)
        chosen = []
        for measure in np.argsort(-deviations)[: self.settings.max_contributions]:
            cell = views[measure, level]
            if cell[params.OUT_DEVIATION] != cell[params.OUT_DEVIATION]:
                continue
            chosen.append(
                MeasureMove(
                    measure=self.measures[measure],
                    value=float(values[measure]),
                    expected_low=_backward(cell, float(cell[params.OUT_LOW])),
                    expected_high=_backward(cell, float(cell[params.OUT_HIGH])),
                    deviation=float(cell[params.OUT_DEVIATION]),
                    view="joint",
                )
            )
        return tuple(chosen)

    def copy_row(self, source: SeriesBank, source_row: int, row: int) -> None:
        """Make `row` a copy of `source`'s `source_row` (same settings and measures)."""
        if source.layout != self.layout or source.settings != self.settings:
            raise DetectorInputError("rows copy only between banks of the same settings")
        self._small[row] = source._small[source._checked(source_row)]
        self._profiles[row] = source._profiles[source_row]
        self._counts[row] = source._counts[source_row]
        self._joint[row] = source._joint[source_row]

    def to_state(self, row: int) -> bytes:
        """Series `row` in the versioned state format: a fixed size, about 2.5 KB a measure."""
        row = self._checked(row)
        return encode_state(
            _KIND,
            self.settings.model_dump(mode="json"),
            {
                "small": self._small[row],
                "profiles": self._profiles[row],
                "counts": self._counts[row],
                "joint": self._joint[row],
            },
            {"measures": self.inputs},
            layout=_LAYOUT,
            # Filled profiles barely compress, and a fixed size is a bound a snapshot can plan on.
            compress=False,
        )

    def restore(self, row: int, data: bytes) -> None:
        """Load a state `to_state` saved into `row` (it must have these settings and measures)."""
        settings, inputs, arrays = read_state(data)
        if settings != self.settings or inputs != self.inputs:
            raise StateFormatError(
                "this state was saved with other settings or measures "
                f"({list(inputs)}); the bank has {list(self.inputs)}"
            )
        row = self._checked(row)
        for target, name, dtype in (
            (self._small, "small", np.float64),
            (self._profiles, "profiles", np.float32),
            (self._counts, "counts", np.uint8),
            (self._joint, "joint", np.uint8),
        ):
            size = target.shape[1]
            if name == "counts" and arrays.layout < _SAYS_FROM:
                # The says follow the slot counts: an older state has none (unknown: no say
                # until the next point within its bands takes it from the restored profile).
                target[row] = SAY_UNKNOWN
                size = self.layout.says
                target[row, :size] = arrays.array(name, dtype, (size,))
                continue
            if name == "small" and arrays.layout < _RUNS_FROM:
                older = arrays.array(name, dtype, None)
                target[row] = _small_from_older(self.layout, older, arrays.layout)
                continue
            target[row] = arrays.array(name, dtype, (size,))

    def _checked(self, row: int) -> int:
        if not 0 <= row < self._size:
            raise IndexError(f"no series row {row} (the bank has {self._size})")
        return row


register_kind(_KIND, SeriesBank)


def empty_state(settings: SeriesModelSettings) -> bytes:
    """The state of a model that has seen no point yet (no measures, no arrays)."""
    params = settings.model_dump(mode="json")
    return encode_state(_KIND, params, {}, {"measures": ()}, layout=_LAYOUT, compress=True)


def read_state(data: bytes) -> tuple[SeriesModelSettings, tuple[str, ...], DecodedState]:
    """The settings, input measures and arrays of a saved series (format checked)."""
    state = decode_state(data, expected_kind=_KIND)
    if state.layout not in _READABLE_LAYOUTS:
        raise StateFormatError(
            f"{_KIND} state layout {state.layout} is not one of {list(_READABLE_LAYOUTS)}"
        )
    try:
        settings = SeriesModelSettings.model_validate(state.params)
    except ValueError as error:
        raise StateFormatError(f"{_KIND} state has invalid settings: {error}") from error
    measures = state.names("measures")
    if list(measures) != sorted(set(measures)):
        raise StateFormatError(f"{_KIND} state has unsorted or repeated measures {measures}")
    return settings, measures, state


_Array = TypeVar("_Array", bound=npt.NDArray[Any])


def _small_from_older(
    layout: SeriesLayout, old: npt.NDArray[np.float64], number: int
) -> npt.NDArray[Any]:
    """A `small` row of this layout from one of layout `number` (2 to 5).

    Layouts 4 and 5 kept each tail without a run held back (none is in progress). Layout 4
    also lacks the transform slots (zeros: unused, as a state saved before them was saved with
    transform "signed_log" or "none"). Layouts 2 and 3 kept each record as block maxima, which
    say nothing of a tail: those records start young (wide) and learn again.
    """
    maxima = number < _TAILS_FROM
    before = replace(
        layout,
        record_floats=sliding_maximum_size(layout.record_blocks)
        if maxima
        else _TAIL_FLOATS_BEFORE_RUNS,
        transform_floats=layout.transform_floats if number >= _TRANSFORM_FROM else 0,
    )
    if old.shape != (before.small_size,):
        raise StateFormatError(
            f"{_KIND} state has {old.shape[0]} floats a series; its layout ({number}) needs "
            f"{before.small_size}"
        )
    tail = 0 if maxima else _TAIL_FLOATS_BEFORE_RUNS  # what each record keeps
    row = np.zeros(layout.small_size, dtype=np.float64)
    joint_record = layout.joint_base + JOINT_RECORD  # the same in both: records come after
    row[: joint_record + tail] = old[: joint_record + tail]
    for measure in range(layout.n_measures):
        new_base, old_base = layout.measure_base(measure), before.measure_base(measure)
        row[new_base : new_base + layout.records] = old[old_base : old_base + layout.records]
        for view in range(len(VIEWS)):
            at, old_at = (
                new_base + layout.records + view * layout.record_size,
                old_base + layout.records + view * before.record_size,
            )
            row[at : at + tail] = old[old_at : old_at + tail]
        size = before.transform_floats
        row[new_base + layout.transform : new_base + layout.transform + size] = old[
            old_base + before.transform : old_base + before.transform + size
        ]
    return row


def _backward(cell: Floats, value: float) -> float:
    """A value of a view's output `cell` in the measure's own units (it is in the space the
    measure was modelled in at that point)."""
    return signed_log_inverse(value) if cell[params.OUT_LOGGED] != 0.0 else value


def _grown(array: _Array, rows: int) -> _Array:
    grown = np.zeros((rows, array.shape[1]), dtype=array.dtype)
    grown[: array.shape[0]] = array
    return cast(_Array, grown)


def record_horizon(settings: SeriesModelSettings) -> int:
    """Points a record lasts, and so points a series needs before it alerts at full sensitivity."""
    return settings.record_block * settings.record_blocks


def young_record(settings: SeriesModelSettings) -> float:
    """The |z| that Gaussian noise reaches about once in a record horizon of points.

    A series that has not yet seen a horizon takes its records as at least this (fading as it
    sees more): the expectations of a young model are wide, so a huge departure alerts early
    and ordinary noise does not.
    """
    tail = 1.0 / (2.0 * record_horizon(settings))
    return statistics.NormalDist().inv_cdf(1.0 - tail)


_TRANSFORMS = {
    "none": params.TRANSFORM_NONE,
    "signed_log": params.TRANSFORM_LOG,
    "auto": params.TRANSFORM_AUTO,
}


def _parameters(
    settings: SeriesModelSettings, layout: SeriesLayout
) -> tuple[Floats, npt.NDArray[np.int64]]:
    fparams = np.zeros(params.N_FLOAT_PARAMS)
    fparams[params.F_LEVEL_ALPHA] = 2.0 / (settings.level_span + 1)
    fparams[params.F_SMOOTH_ALPHA] = 2.0 / (4 * settings.level_span + 1)
    fparams[params.F_SEASON_SPAN] = settings.season_span
    fparams[params.F_WIDTH] = settings.band_width
    fparams[params.F_SPREAD_FLOOR] = _SLOT_SPREAD_FLOOR
    fparams[params.F_GAP_FACTOR] = settings.gap_factor
    fparams[params.F_DAMP] = settings.repeat_damping
    fparams[params.F_RESOLUTION] = settings.resolution
    fparams[params.F_YOUNG_RECORD] = young_record(settings)
    fparams[params.F_JOINT_WEIGHT] = settings.joint_weight
    fparams[params.F_RECORD_SPAN] = settings.record_span_days * 86_400.0
    fparams[params.F_REPEAT_SPAN] = settings.repeat_span_hours * 3_600.0
    weights = {"change": settings.change_weight}
    for index, view in enumerate(VIEWS):
        fparams[params.F_WEIGHTS + index] = weights.get(view, 1.0)
    iparams = np.zeros(params.N_INT_PARAMS, dtype=np.int64)
    for index, value in (
        (params.I_WARMUP, settings.warmup),
        # A band judges from 20 points, or from the warm-up a dataset asks for if shorter (at
        # least 2, for a spread): `warmup` says when verdicts begin.
        (params.I_MIN_BAND, max(2, min(_MIN_BAND_POINTS, settings.warmup))),
        (params.I_MIN_DAY, _MIN_DAY_POINTS),
        (params.I_MIN_WEEK, _MIN_WEEK_POINTS),
        (params.I_RECORD_BLOCK, settings.record_block),
        (params.I_REPEAT_BLOCK, settings.repeat_block),
        (params.I_LOG, _TRANSFORMS[settings.transform]),
        (params.I_MEASURES, layout.n_measures),
        (params.I_SMOOTH_POINTS, layout.smooth_points),
        (params.I_RECORD_BLOCKS, layout.record_blocks),
        (params.I_REPEAT_BLOCKS, layout.repeat_blocks),
        (params.I_DAY_SLOTS, layout.day_slots),
        (params.I_WEEK_SLOTS, layout.week_slots),
        (params.I_HEADER, layout.header_size),
        (params.I_MEASURE_SIZE, layout.measure_size),
        (params.I_RECORDS, layout.records),
        (params.I_HORIZON, record_horizon(settings)),
        (params.I_JOINT_BASE, layout.joint_base if layout.joint_trees else 0),
        (params.I_JOINT_HEIGHT, max(layout.joint_height, 1)),
        (params.I_JOINT_WINDOW, settings.joint_window),
        (params.I_SAYS, layout.says),
        (params.I_TRANSFORM, layout.transform),
    ):
        iparams[index] = value
    return fparams, iparams
