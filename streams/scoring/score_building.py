"""Score events from scored intervals: the value and the level band of each measure."""

from __future__ import annotations

import math
from collections.abc import Sequence

from dexwatch.schemas.score_event import ScoreEvent
from dexwatch.streams.scoring.dataset_scorer import ScoredInterval

__all__ = ["score_event"]


def score_event(dataset: str, measures: Sequence[str], scored: ScoredInterval) -> ScoreEvent | None:
    """None for a point scored again after a restore (it carries no band: it was not judged
    again), so the record written when it was judged stands. A model warming up has no band
    worth drawing yet: none is sent."""
    if not scored.bands:
        return None
    verdict = scored.verdict
    return ScoreEvent(
        dataset=dataset,
        series=scored.interval.series,
        interval_start=scored.interval.start,
        values=dict(zip(measures, scored.inputs, strict=True)),
        bands={
            measure: (low, high)
            for measure, (low, high) in zip(measures, scored.bands, strict=True)
            if math.isfinite(low) and math.isfinite(high) and not verdict.warming_up
        },
        score=verdict.score,
        severity=verdict.severity,
        anomaly=verdict.is_anomaly,
    )
