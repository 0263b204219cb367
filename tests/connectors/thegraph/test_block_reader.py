"""Answers never go back in time: an older block is dropped and retried, pages share one block."""

from __future__ import annotations

import asyncio
import random

import pytest

from dexwatch.connectors.thegraph.block_reader import BlockReader, BlockRef
from dexwatch.connectors.thegraph.errors import RetriesExhaustedError
from dexwatch.connectors.thegraph.graph_client import GraphClient
from dexwatch.connectors.thegraph.query_budget import QueryBudget
from dexwatch.connectors.thegraph.settings import RetrySettings
from tests.connectors.thegraph.conftest import V3_ID, Harness

META = (
    "query Meta($block: Block_height!) { _meta(block: $block) { block { number hash timestamp } } }"
)


def read_twice(harness: Harness, floor: BlockRef | None, fault_before_second: bool) -> BlockReader:
    async def run() -> BlockReader:
        client = GraphClient(
            harness.running.url(V3_ID),
            api_key=None,
            budget=QueryBudget(1000, 100_000, harness.clock),
            metrics=harness.metrics,
            clock=harness.clock,
        )
        async with client:
            reader = BlockReader(
                client,
                floor=floor,
                retry=RetrySettings(max_attempts=3),
                clock=harness.clock,
                rng=random.Random(1),
                metrics=harness.metrics,
            )
            await reader.fetch(META, {})
            if fault_before_second:
                harness.control.fail_next("older_block", blocks_back=30)
            await reader.fetch(META, {})
            return reader

    return asyncio.run(run())


def test_later_requests_are_pinned_to_the_first_answers_block(harness: Harness) -> None:
    reader = read_twice(harness, None, fault_before_second=False)
    first, second = (request.variables["block"] for request in harness.control.requests)
    assert first == {"number_gte": 0}
    assert reader.pinned is not None
    assert second == {"hash": reader.pinned.hash}


def test_an_answer_from_another_block_than_the_pinned_one_is_dropped(harness: Harness) -> None:
    reader = read_twice(harness, None, fault_before_second=True)
    assert harness.metric("dexwatch_thegraph_stale_answers_total") == 1
    assert len(harness.control.requests) == 3, "the stale answer was retried"
    assert reader.pinned is not None
    assert harness.control.requests[2].variables["block"] == {"hash": reader.pinned.hash}


def test_an_indexer_behind_the_last_seen_block_is_not_a_regression(harness: Harness) -> None:
    [first] = harness.poll()
    assert first.block is not None
    hourly_before = len(harness.sink.of("pool_hour"))
    requests_before = len(harness.control.requests)
    harness.advance(3600)
    harness.control.fail_next("older_block", blocks_back=400)  # ~80 minutes behind
    [second] = harness.poll()
    assert second.block is not None
    assert second.block.number >= first.block.number + 300
    assert harness.metric("dexwatch_thegraph_stale_answers_total") == 1
    unpinned = [
        request.variables["block"]
        for request in harness.control.requests[requests_before:]
        if "hash" not in request.variables["block"]
    ]
    assert unpinned == [{"number_gte": first.block.number}] * 2, "the stale answer and its retry"
    # Nothing older than what was already emitted came out.
    times = [event.event_time.timestamp() for event in harness.sink.of("pool_hour")]
    assert times[hourly_before:]
    assert min(times[hourly_before:]) > max(times[:hourly_before])


def test_an_indexer_that_stays_behind_means_no_data_not_old_data(harness: Harness) -> None:
    harness.poll()
    emitted = len(harness.sink.records)
    harness.advance(3600)
    harness.control.fail_next("older_block", times=10, blocks_back=400)
    with pytest.raises(RetriesExhaustedError, match="older than block"):
        harness.poll(harness.settings(retry={"max_attempts": 3, "base_delay_s": 1}))
    assert len(harness.sink.records) == emitted
