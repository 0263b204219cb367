"""Where the compiled series kernel finds its parameters and writes each view's output.

The kernel (`series_kernel`) and the pieces it calls (`measure_space`) take their settings as
two flat arrays, floats and integers, and write each view of each measure into a cell of
`N_OUT` floats; these are the indices into them. `series_bank` fills the arrays.
"""

from __future__ import annotations

from dexwatch.detectors.series_layout import VIEWS

__all__ = [
    "F_DAMP",
    "F_GAP_FACTOR",
    "F_JOINT_WEIGHT",
    "F_LEVEL_ALPHA",
    "F_RECORD_SPAN",
    "F_REPEAT_SPAN",
    "F_RESOLUTION",
    "F_SEASON_SPAN",
    "F_SMOOTH_ALPHA",
    "F_SPREAD_FLOOR",
    "F_WEIGHTS",
    "F_WIDTH",
    "F_YOUNG_RECORD",
    "I_DAY_SLOTS",
    "I_HEADER",
    "I_HORIZON",
    "I_JOINT_BASE",
    "I_JOINT_HEIGHT",
    "I_JOINT_WINDOW",
    "I_LOG",
    "I_MEASURES",
    "I_MEASURE_SIZE",
    "I_MIN_BAND",
    "I_MIN_DAY",
    "I_MIN_WEEK",
    "I_RECORDS",
    "I_RECORD_BLOCK",
    "I_RECORD_BLOCKS",
    "I_REPEAT_BLOCK",
    "I_REPEAT_BLOCKS",
    "I_SAYS",
    "I_SMOOTH_POINTS",
    "I_TRANSFORM",
    "I_WARMUP",
    "I_WEEK_SLOTS",
    "N_FLOAT_PARAMS",
    "N_INT_PARAMS",
    "N_OUT",
    "OUT_DEVIATION",
    "OUT_HIGH",
    "OUT_LOGGED",
    "OUT_LOW",
    "OUT_RATIO",
    "OUT_VALUE",
    "TRANSFORM_AUTO",
    "TRANSFORM_LOG",
    "TRANSFORM_NONE",
]

# Float parameters.
(
    F_LEVEL_ALPHA,
    F_SMOOTH_ALPHA,
    F_SEASON_SPAN,
    F_WIDTH,
    F_SPREAD_FLOOR,
    F_GAP_FACTOR,
    F_DAMP,
    F_RESOLUTION,
    F_YOUNG_RECORD,
    F_JOINT_WEIGHT,
    F_RECORD_SPAN,  # seconds a record lasts at least (0: counted in points only)
    F_REPEAT_SPAN,  # seconds the repeat guard remembers at most (0: counted in points only)
) = range(12)
F_WEIGHTS = 12  # one weight per view
N_FLOAT_PARAMS = F_WEIGHTS + len(VIEWS)

# Integer parameters.
(
    I_WARMUP,
    I_MIN_BAND,
    I_MIN_DAY,
    I_MIN_WEEK,
    I_RECORD_BLOCK,
    I_REPEAT_BLOCK,
    I_LOG,
    I_MEASURES,
    I_SMOOTH_POINTS,
    I_RECORD_BLOCKS,
    I_REPEAT_BLOCKS,
    I_DAY_SLOTS,
    I_WEEK_SLOTS,
    I_HEADER,
    I_MEASURE_SIZE,
    I_RECORDS,
    I_HORIZON,
    I_JOINT_BASE,  # 0: no joint view
    I_JOINT_HEIGHT,
    I_JOINT_WINDOW,
    I_SAYS,  # offset of the measures' says in `counts`
    I_TRANSFORM,  # offset of a measure's transform slots, from its base
) = range(22)
N_INT_PARAMS = 22

# `I_LOG`: how measures are transformed (`SeriesModelSettings.transform`).
TRANSFORM_NONE, TRANSFORM_LOG, TRANSFORM_AUTO = 0, 1, 2

# Per view of each measure of each point: its weighted ratio (NaN: the view said nothing), its
# deviation in sd, the band it was expected in and the value it judged (in the transformed space),
# and 1.0 when that space was the signed log.
OUT_RATIO, OUT_DEVIATION, OUT_LOW, OUT_HIGH, OUT_VALUE, OUT_LOGGED = range(6)
N_OUT = 6
