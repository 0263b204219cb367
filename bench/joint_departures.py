"""How often the joint view calls a joint departure, and what it adds elsewhere.

    .venv/bin/python -m bench.joint_departures [--series 20] [--points 1800]

Each series (seeds 0..N-1, hourly) is two measures that always move together (`b = a` plus a
tenth of `a`'s noise); at point 1,700 they part, `a` 2 sd up and `b` 2 sd down: inside both
bands, so only the joint view can call it. Prints the departures caught by the joint view (and
by nothing else), and the alerts elsewhere in the series with the joint view and without it.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dexwatch.detectors.series_model import SeriesModel, SeriesModelSettings

__all__ = ["DepartureRun", "main", "run_series"]

DEPARTURE_AT = 1700
_START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DepartureRun:
    caught: bool  # the departure alerted, through the joint view alone
    other_alerts: int  # alerts at any other point


def run_series(seed: int, points: int, joint_trees: int) -> DepartureRun:
    """Series `seed` through a fresh model (`joint_trees` 0: no joint view)."""
    rng = random.Random(seed)
    model = SeriesModel(SeriesModelSettings(transform="none", joint_trees=joint_trees))
    caught, others = False, 0
    for step in range(points):
        a = rng.gauss(0, 1)
        b = a + rng.gauss(0, 0.1)
        if step == DEPARTURE_AT:
            a, b = 2.0, -2.0
        verdict = model.process({"a": 100 + a, "b": 50 + b}, _START + step * timedelta(hours=1))
        if step == DEPARTURE_AT:
            caught = verdict.is_anomaly and {move.view for move in verdict.moves} == {"joint"}
        elif verdict.is_anomaly:
            others += 1
    return DepartureRun(caught, others)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.joint_departures", description=__doc__)
    parser.add_argument("--series", type=int, default=20)
    parser.add_argument("--points", type=int, default=1800, help=f"> {DEPARTURE_AT}")
    args = parser.parse_args(argv)
    if args.points <= DEPARTURE_AT:
        parser.error(f"--points must exceed {DEPARTURE_AT}, the departure's point")
    trees = SeriesModelSettings().joint_trees
    runs = [run_series(seed, args.points, trees) for seed in range(args.series)]
    alone = [run_series(seed, args.points, 0) for seed in range(args.series)]
    caught = [seed for seed, run in enumerate(runs) if run.caught]
    print(f"joint departures caught: {len(caught)} of {args.series} (seeds {caught})")
    print(
        f"alerts elsewhere: {sum(run.other_alerts for run in runs)} with the joint view, "
        f"{sum(run.other_alerts for run in alone)} without"
    )


if __name__ == "__main__":
    main()
