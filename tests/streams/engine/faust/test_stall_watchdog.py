"""Which input partitions have records waiting and have not moved for `stall_s`."""

from __future__ import annotations

from dexwatch.streams.engine.faust.stall_watchdog import StallWatchdog

P0, P1 = ("metrics", 0), ("metrics", 1)


def test_a_partition_behind_and_not_moving_is_stalled_then_waits_for_more_records() -> None:
    watchdog = StallWatchdog(stall_s=10.0)
    assert watchdog.stalled({P0: 17, P1: 40}, {P0: 60, P1: 40}, now=0.0) == []
    assert watchdog.stalled({P0: 17, P1: 40}, {P0: 60, P1: 45}, now=9.0) == []
    assert watchdog.stalled({P0: 17, P1: 40}, {P0: 60, P1: 45}, now=10.0) == [(P0, 17)]
    assert watchdog.stalled({P0: 17, P1: 40}, {P0: 60, P1: 45}, now=15.0) == []  # P1: 6 s
    assert watchdog.stalled({P0: 17, P1: 40}, {P0: 60, P1: 45}, now=19.0) == [(P1, 40)]
    # P0 was sought and nothing came (a transaction marker?): quiet until it gets more.
    assert watchdog.stalled({P0: 17, P1: 40}, {P0: 60, P1: 45}, now=40.0) == []
    assert watchdog.stalled({P0: 17, P1: 40}, {P0: 61, P1: 45}, now=41.0) == []
    assert watchdog.stalled({P0: 17, P1: 40}, {P0: 61, P1: 45}, now=50.0) == []
    assert watchdog.stalled({P0: 17, P1: 40}, {P0: 61, P1: 45}, now=51.0) == [(P0, 17)]


def test_moving_caught_up_or_unknown_partitions_are_not_stalled() -> None:
    watchdog = StallWatchdog(stall_s=10.0)
    for second in range(0, 60, 5):
        moving = {P0: 17 + second, P1: 40}
        assert watchdog.stalled(moving, {P0: 100, P1: 40}, now=float(second)) == []
    assert watchdog.stalled({P0: 80}, {}, now=100.0) == []  # high water not known yet


def test_a_reset_starts_the_clock_again() -> None:
    watchdog = StallWatchdog(stall_s=10.0)
    watchdog.stalled({P0: 17}, {P0: 60}, now=0.0)
    watchdog.reset()  # a rebalance: the partition was paused on purpose
    assert watchdog.stalled({P0: 17}, {P0: 60}, now=12.0) == []
    assert watchdog.stalled({P0: 17}, {P0: 60}, now=22.0) == [(P0, 17)]


def test_after_failed_checks_every_partition_behind_is_sought_at_once() -> None:
    watchdog = StallWatchdog(stall_s=10.0, outage_checks=2)
    expected, highwaters = {P0: 17, P1: 40}, {P0: 60, P1: 40}
    assert watchdog.back_after_outage(expected, highwaters, now=0.0) == []  # no outage
    watchdog.check_failed()
    assert watchdog.back_after_outage(expected, highwaters, now=1.0) == []  # one: merely slow
    watchdog.check_failed()
    watchdog.check_failed()
    assert watchdog.back_after_outage(expected, highwaters, now=5.0) == [(P0, 17)]  # P1: none
    assert watchdog.back_after_outage(expected, highwaters, now=6.0) == []  # once per outage
    # Its watch starts at the seek: still idle `stall_s` later, it is sought again.
    assert watchdog.stalled(expected, highwaters, now=14.0) == []
    assert watchdog.stalled(expected, highwaters, now=15.0) == [(P0, 17)]
