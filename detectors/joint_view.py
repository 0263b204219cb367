"""The joint view: Half-Space Trees over a series' measures at once, each as its level's z.

Each measure's own views judge it alone. A point where several measures move together, each
inside its own band, is unusual only jointly: say trades up and volume down when they always
move together. The joint view sees it: every point of a series with two or more measures is a
vector of its measures' level deviations, squashed into the unit box (`0.5 + 0.5 tanh(z / w)`,
so the band's edge sits at about 0.88), and scored by Half-Space Trees (our numba forest,
river's algorithm and scores, `detectors.half_space_trees`), one forest of masses per series.

The trees' raw score is then treated like any other view: its place in its own band (a
standardised surprise, only the high side counts), divided by its own record. Its band learns
over the record's horizon, not the level's span: the score of standardised inputs has no
volatility of its own, and a short band's spread only follows sampling luck. So the joint
view speaks the same calibrated language as the others, and one threshold serves them all.
"""

from __future__ import annotations

import math
from typing import Any

from dexwatch.detectors.half_space_trees import _pivot, _point
from dexwatch.detectors.kernel_bands import (
    band_learn,
    compiled,
    young_floor,
)
from dexwatch.detectors.record_tail import tail_coverage, tail_learn, tail_level
from dexwatch.detectors.series_layout import (
    JOINT_BAND,
    JOINT_RECORD,
    JOINT_SCORING,
    JOINT_WINDOW_COUNT,
)

__all__ = ["joint_point"]


@compiled
def joint_point(
    small: Any,
    at: int,
    masses: Any,
    feature: Any,
    threshold: Any,
    deviations: Any,
    box: Any,
    low: Any,
    high: Any,
    scaled: Any,
    sums: Any,
    width: float,
    height: int,
    window: int,
    min_band: int,
    record_blocks: int,
    record_block: int,
    horizon: int,
    judge: bool,
    young_prior: float,
    out: Any,
) -> float:
    """Score then learn one point's joint view; returns its ratio (0.0 when it says nothing).

    `deviations` are the measures' level z (NaN: no value this time, taken as the centre);
    `box`, `low` (zeros), `high` (ones), `scaled` and `sums` are scratch arrays. `out` gets
    `[ratio, surprise in sd]`, NaN when the view said nothing.
    """
    out[0] = math.nan
    out[1] = math.nan
    for j in range(deviations.shape[0]):
        z = deviations[j]
        box[j] = 0.5 if math.isnan(z) else 0.5 + 0.5 * math.tanh(z / (width * 0.5))
    scoring = small[at + JOINT_SCORING] != 0.0
    n_trees = feature.shape[0]
    limit = 0.1 * window
    total = _point(box, low, high, feature, threshold, masses, scaled, height, limit, True, scoring)
    small[at + JOINT_WINDOW_COUNT] += 1.0
    if small[at + JOINT_WINDOW_COUNT] >= window:
        _pivot(masses, height, sums)
        small[at + JOINT_WINDOW_COUNT] = 0.0
        small[at + JOINT_SCORING] = 1.0
    if not scoring:
        return 0.0
    # River's score is 1 - total / most; its top end, where the surprises are, is squeezed
    # against 1. Its log spreads it out (a total of 0 counts as one unit of mass).
    most = float(n_trees * window * ((2 << height) - 1))
    raw = -math.log(max(float(total), 1.0) / most)
    band = at + JOINT_BAND
    record = at + JOINT_RECORD
    record_horizon = float(record_blocks * record_block)
    ratio = 0.0
    if small[band + 2] >= min_band:
        # Masses are counts over a window: a total is no surer than Poisson noise on the
        # window's count, 1 / sqrt(window) relative, which is that much on the log scale.
        spread = max(math.sqrt(small[band + 1]), 1.0 / math.sqrt(window))
        surprise = max(0.0, (raw - small[band]) / spread)
        if judge:
            coverage = tail_coverage(small, record, horizon)
            least = young_floor(width, young_prior, coverage)
            ratio = surprise / max(tail_level(small, record, record_horizon, horizon), least)
            out[0] = ratio
        out[1] = surprise
        tail_learn(small, record, record_horizon, surprise)
    # The trees score measures already standardised by their levels: their scores have no
    # volatility of their own to follow, and a spread learnt over the level's 150 points of a
    # skewed score swings by half either way, so a point in the scores' usual 1% tail read as a
    # record while it was narrow. The band learns over the record's horizon instead.
    band_learn(small, band, raw, 2.0 / (horizon + 1.0))
    return ratio
