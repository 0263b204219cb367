"""Recovery: a worker holding many series is killed (SIGKILL) and restarted with the same
static group membership; the time until it scores new events again."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.pipeline.context import Bench
from bench.pipeline.events import Fleet, stream
from bench.pipeline.output import say
from bench.pipeline.producing import PARTITIONS, produce_envelopes
from bench.pipeline.workers import SCORED, drain
from tests.support.kafka_helpers import committed_offsets, end_offsets

__all__ = ["RecoveryFigures", "run"]


@dataclass(frozen=True, slots=True)
class RecoveryFigures:
    series: int
    points: int  # events per series before the kill
    first_drain_s: float
    series_live: float  # before the kill
    snapshot_writes: float  # before the kill
    to_metrics_s: float  # restart to /metrics answering
    to_first_score_s: float
    to_all_scored_s: float  # or to the timeout, when `all_scored` is false
    all_scored: bool  # every new event (one per series) scored after the restart
    replayed: float  # events scored again after the restart (read back from before the kill)


def _wait_for_commits(bootstrap: str, group: str, topic: str, timeout_s: float) -> bool:
    """Whether `group` committed every partition of `topic` to its end within `timeout_s`."""
    partitions = range(PARTITIONS)
    ends = {p: end for p, end in end_offsets(bootstrap, topic, partitions).items() if end > 0}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        committed = committed_offsets(bootstrap, group, topic, partitions)
        if all(committed.get(p, 0) >= end for p, end in ends.items()):
            return True
        time.sleep(0.2)
    return False


def run(bench: Bench) -> RecoveryFigures:
    s = bench.sizes
    n_series, points = s.recovery_series, s.recovery_points
    say(
        f"\n== recovery: one worker holding {n_series:,} series ({points} events each), "
        f"kill -9, restart"
    )
    fleet = Fleet.make(n_series, points + 1, s.seed + 3)
    topics = bench.topics("recovery")
    produce_envelopes(
        bench.bootstrap,
        topics["metrics"],
        stream(fleet, range(points), s.seed),
        n_series * points,
        s.envelope,
    )
    app_id = bench.app_id("recovery")
    # A stable instance id (static membership): the restarted worker takes its partitions
    # back at once rather than after the session timeout. Snapshots every few seconds, so
    # the series have some before the kill (`points` events each, seconds apart).
    env = {
        "DEXWATCH_GROUP_INSTANCE_ID": f"{app_id}-0",
        "DEXWATCH_SNAPSHOT_INTERVAL_S": str(s.recovery_snapshot_interval),
    }
    worker = bench.worker(topics, app_id, env)
    try:
        held = drain([worker], n_series * points, {}, s.timeout)
        live = worker.value("dexwatch_series_live")
        writes = worker.value("dexwatch_snapshot_writes_total")
        say(f"  worker holds {live:,.0f} series; snapshot writes so far {writes:,.0f}")
        # faust commits offsets every ~3 s: let the last ones land (they all do: every
        # event is scored, no interval is held open), so no event is read again.
        landed = _wait_for_commits(bench.bootstrap, app_id, topics["metrics"], 10.0)
        if not landed:
            say("  (offsets not all committed 10 s after the drain: some events are read again)")
        worker.kill()
        say("  worker killed (SIGKILL); producing one new event per series")
        produce_envelopes(
            bench.bootstrap,
            topics["metrics"],
            stream(fleet, range(points, points + 1), s.seed),
            n_series,
            s.envelope,
        )
        worker.start()
        restarted = worker.started_at
        serving = first = None
        deadline = restarted + s.timeout
        while first is None:
            reading = worker.metrics()
            if reading is not None:
                serving = serving or time.monotonic()
                if reading.get(SCORED, 0.0) > 0:
                    first = time.monotonic()
            if time.monotonic() > deadline:
                raise TimeoutError("the restarted worker never scored")
            time.sleep(0.05)
        assert serving is not None
        while worker.value(SCORED) < n_series:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        all_done = time.monotonic()
        scored = worker.value(SCORED)
    finally:
        worker.stop()
    figures = RecoveryFigures(
        series=n_series,
        points=points,
        first_drain_s=held.seconds,
        series_live=live,
        snapshot_writes=writes,
        to_metrics_s=serving - restarted,
        to_first_score_s=first - restarted,
        to_all_scored_s=all_done - restarted,
        all_scored=scored >= n_series,
        replayed=max(scored - n_series, 0.0),
    )
    say(
        f"recovery: restart to /metrics {figures.to_metrics_s:.1f} s, to first score "
        f"{figures.to_first_score_s:.1f} s, to all {n_series:,} new events scored "
        f"{figures.to_all_scored_s:.1f} s ({figures.replayed:,.0f} earlier events replayed; "
        f"first drain {held.seconds:.1f} s)"
    )
    bench.record(
        f"recovery, {n_series:,} series, kill -9 then restart",
        f"{figures.to_first_score_s:.1f} s to first score",
        f"{figures.to_all_scored_s:.1f} s until all {n_series:,} new events scored; "
        f"/metrics after {figures.to_metrics_s:.1f} s",
    )
    return figures
