"""The query budget: the minute's share is waited for, the month's is a hard stop, both shown."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from dexwatch.connectors.thegraph.errors import BudgetExhaustedError
from dexwatch.connectors.thegraph.query_budget import QueryBudget, month_of
from tests.connectors.thegraph.conftest import FakeClock, Harness

JAN_31_LATE = 1769903940.0  # 2026-01-31T23:59:00Z


def test_the_minutes_share_is_waited_for() -> None:
    clock = FakeClock(1000.0)
    budget = QueryBudget(per_minute=3, per_month=100, clock=clock)

    async def spend(times: int) -> None:
        for _ in range(times):
            await budget.spend()

    asyncio.run(spend(3))
    assert clock.sleeps == []
    assert budget.remaining_this_minute == 0
    asyncio.run(spend(1))
    assert clock.sleeps == [60.0]
    assert budget.used_this_month == 4


def test_the_month_is_a_hard_stop_and_rolls_over() -> None:
    clock = FakeClock(JAN_31_LATE)
    budget = QueryBudget(
        per_minute=100, per_month=2, clock=clock, month="2026-01", used_this_month=1
    )
    asyncio.run(budget.spend())
    with pytest.raises(BudgetExhaustedError, match="monthly query budget of 2 is spent"):
        asyncio.run(budget.spend())
    clock.current += 120  # February
    assert month_of(clock.current) == "2026-02"
    assert budget.remaining_this_month == 2
    asyncio.run(budget.spend())


def test_a_poll_spends_from_the_budget_and_the_checkpoint_keeps_the_count(
    harness: Harness,
) -> None:
    harness.poll(harness.settings(queries_per_month=100, queries_per_minute=2))
    sent = len(harness.control.requests)
    assert sent == 4  # top pools, snapshots, hours, transactions
    assert harness.clock.sleeps
    assert harness.clock.sleeps[0] == pytest.approx(60.0)
    assert harness.metric("dexwatch_thegraph_query_budget_remaining", window="month") == 100 - sent
    assert orjson.loads(harness.checkpoint.read_bytes())["budget_used"] == sent

    # After a restart the month's count goes on from the checkpoint: 6 - 4 leaves 2.
    with pytest.raises(BudgetExhaustedError, match="monthly query budget of 6"):
        harness.poll(harness.settings(queries_per_month=6), cycles=3)
    assert len(harness.control.requests) == 6
    assert harness.metric("dexwatch_thegraph_query_budget_remaining", window="month") == 0
