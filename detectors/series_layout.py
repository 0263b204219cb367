"""Where each part of a series' state lives in its three flat arrays.

A series model is kept as one row in each of three arrays (see `detectors.series_bank`):
`small` (float64: bands, records, the recent values, the clock), `profiles` (float32: the mean
and variance of every time-of-day and time-of-week slot, the bulk of the state) and `counts`
(uint8: how many values each slot has seen, saturating, then each measure's say of its slot
views). A row has no Python object of its own,
which is what keeps 100,000 series in a few hundred MB and lets one compiled loop run them all.

Views, in this order, are the engineered features of each measure (see `series_kernel`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "BAND",
    "JOINT_BAND",
    "JOINT_RECORD",
    "JOINT_SCORING",
    "JOINT_WINDOW_COUNT",
    "SAYS",
    "SAY_UNKNOWN",
    "TAIL_SIZE",
    "TRANSFORM_LEVEL",
    "TRANSFORM_SIZE",
    "TRANSFORM_SPACE",
    "TRANSFORM_STEP",
    "VIEWS",
    "SeriesLayout",
]

VIEWS = ("level", "change", "smoothed", "time_of_day", "time_of_week")

BAND = 3  # mean, variance, points seen
TAIL_SIZE = 6  # a view's record: its tail's rate, points, scale, excesses, run held back
# (points, excess sum; `record_tail`)
TRANSFORM_SIZE = 1 + 2 * BAND  # per measure, after its records (transform "auto")
SAYS = 2  # per measure: the say of its time-of-day and of its time-of-week view
SAY_UNKNOWN = 255  # a say not taken yet; a say is kept in 254ths (a byte, as the slot counts)

# Series-wide slots of `small`, before the first measure.
CLOCK_LAST_AT = 0  # event time of the last point, Unix seconds
CLOCK_HAS_LAST = 1
CLOCK_USUAL_STEP = 2  # seconds between points, 0 until known
CLOCK_SEEN = 3  # points processed
SERIES_HEADER = 4  # then the repeat guard's sliding maximum

# Per-measure slots of `small`, from the measure's base.
LEVEL = 0
CHANGE = LEVEL + BAND
SMOOTHED = CHANGE + BAND
PREVIOUS = SMOOTHED + BAND  # the previous value
HAS_PREVIOUS = PREVIOUS + 1
QUANTUM = HAS_PREVIOUS + 1  # the smallest step the measure has taken (its resolution), 0 until one
RECENT_FILLED = QUANTUM + 1
RECENT_NEXT = RECENT_FILLED + 1
RECENT = RECENT_NEXT + 1  # then `smooth_points` values, then one record per view, then:
# From the measure's transform slots (`SeriesLayout.transform`, transform "auto"): the space it
# is modelled in (0.0 undecided, on the signed log meanwhile; 1.0 the signed log; -1.0 its own
# units), then the band of its raw values and the band of its raw steps, learnt until the decision.
TRANSFORM_SPACE = 0
TRANSFORM_LEVEL = 1
TRANSFORM_STEP = TRANSFORM_LEVEL + BAND


# The joint view's part of the header, from its base (see `detectors.joint_view`).
JOINT_WINDOW_COUNT = 0  # points learnt in the trees' current window
JOINT_SCORING = 1  # 1.0 once the first window has ended (river scores 0 until then)
JOINT_BAND = 2  # mean, variance, points seen of the trees' raw scores
JOINT_RECORD = JOINT_BAND + BAND  # then the record of the joint surprise


def sliding_maximum_size(blocks: int) -> int:
    """Block maxima, the block being filled, points in it, ring position of the next block."""
    return blocks + 3


@dataclass(frozen=True, slots=True)
class SeriesLayout:
    """Offsets into the three arrays for `n_measures` measures and the given sizes."""

    n_measures: int
    smooth_points: int
    record_blocks: int
    repeat_blocks: int
    day_slots: int
    week_slots: int
    joint_trees: int = 0  # Half-Space Trees of the joint view (0: no joint view)
    joint_height: int = 0

    record_floats: int = TAIL_SIZE  # a view's record (layout 3 and older: its block maxima)
    transform_floats: int = TRANSFORM_SIZE  # a measure's transform slots (layout 4 and older: 0)

    @property
    def record_size(self) -> int:
        return self.record_floats

    @property
    def records(self) -> int:
        """Offset of the first view's record, from a measure's base."""
        return RECENT + self.smooth_points

    @property
    def transform(self) -> int:
        """Offset of the measure's transform slots (`TRANSFORM_*`), from a measure's base."""
        return self.records + len(VIEWS) * self.record_size

    @property
    def measure_size(self) -> int:
        return self.transform + self.transform_floats

    @property
    def joint_base(self) -> int:
        """Offset of the joint view's part of the header."""
        return SERIES_HEADER + sliding_maximum_size(self.repeat_blocks)

    @property
    def header_size(self) -> int:
        return self.joint_base + JOINT_RECORD + self.record_size

    @property
    def joint_leaves(self) -> int:
        """Masses per tree (`2**height`, see `detectors.half_space_trees`)."""
        return 1 << self.joint_height if self.joint_trees else 1

    @property
    def joint_size(self) -> int:
        """Bytes of tree masses per series: reference and latest, per tree, per leaf."""
        return 2 * self.joint_trees * self.joint_leaves

    @property
    def small_size(self) -> int:
        return self.header_size + self.n_measures * self.measure_size

    def measure_base(self, measure: int) -> int:
        return self.header_size + measure * self.measure_size

    @property
    def slots(self) -> int:
        """Profile slots per measure: the day's, then the week's."""
        return self.day_slots + self.week_slots

    @property
    def profile_size(self) -> int:
        return 2 * self.slots * self.n_measures  # mean and variance per slot

    @property
    def says(self) -> int:
        """Offset in `counts` of each measure's say of its day and week views, in 254ths
        (`SAY_UNKNOWN`: not taken yet), the last taken while the measure was within its bands
        (see `detectors.cycle_evidence`)."""
        return self.slots * self.n_measures

    @property
    def counts_size(self) -> int:
        return self.says + SAYS * self.n_measures

    def bytes_per_series(self) -> int:
        return (
            self.small_size * np.dtype(np.float64).itemsize
            + self.profile_size * np.dtype(np.float32).itemsize
            + self.counts_size
            + self.joint_size
        )
