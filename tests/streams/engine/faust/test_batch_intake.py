"""The batch intake's hand-over, on a real (unstarted) faust app: which fetches reach the
handler, and what faust may commit. The fetch loop itself runs in the worker suites
(end-to-end, kill -9, two workers), where the intake is the default."""

from __future__ import annotations

import asyncio
from typing import Any

import faust
import pytest
from faust.types import TP
from faust.types.tuples import ConsumerMessage

from dexwatch.streams.engine.faust import batch_intake
from dexwatch.streams.engine.faust.batch_intake import BatchIntake, BatchIntakeError, _Fetched

TOPIC = "metrics"


async def _app() -> Any:
    """An app subscribed to TOPIC (acks on, as the agent's topics), flow running."""
    app: Any = faust.App("batch-intake-test", autodiscover=False)
    app.topics.add(app.topic(TOPIC, key_type=bytes, value_type=bytes))
    await app.topics._update_indices()  # what subscribing does
    app.flow_control.resume()  # as once partitions are assigned
    return app


def _close(app: Any) -> None:
    """The loop faust's consumer thread made for itself (never started here)."""
    app.consumer._thread.thread_loop.close()


def _message(offset: int, generation: int, value: bytes | None = b"{}") -> ConsumerMessage:
    tp = TP(TOPIC, 0)
    return ConsumerMessage(
        TOPIC, 0, offset, 0.0, 0, [], b"k", value, None, 1, 2, tp, generation_id=generation
    )


def test_a_fetch_of_an_older_generation_is_dropped_untracked() -> None:
    async def scenario() -> None:
        app = await _app()
        intake = BatchIntake(app, [TOPIC])
        app.consumer_generation_id = 2
        queue = intake._fetched()
        old, new = [_message(0, 1)], [_message(1, 2), _message(2, 2, None)]
        queue.put_nowait(_Fetched(1, old))
        queue.put_nowait(_Fetched(2, new))
        taken = await asyncio.wait_for(intake.take(), 5)
        assert [r.offset for r in taken.records] == [1, 2]
        assert taken.records[1].value == b""  # a tombstone, dead-lettered by the handler
        assert set(app.consumer.unacked) == set(new)  # a rebalance waits for these
        intake.acknowledge(taken)
        assert not set(app.consumer.unacked)
        assert list(app.consumer._acked[TP(TOPIC, 0)]) == [1, 2]  # 0 is not faust's to commit
        _close(app)

    asyncio.run(scenario())


def test_a_large_fetch_is_cut_into_batches_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch of envelopes must not keep the handler busy for seconds."""
    monkeypatch.setattr(batch_intake, "MAX_BATCH_BYTES", 10)

    async def scenario() -> None:
        app = await _app()
        intake = BatchIntake(app, [TOPIC])
        app.consumer_generation_id = 1
        intake._fetched().put_nowait(_Fetched(1, [_message(i, 1, b"x" * 4) for i in range(5)]))
        intake._fetched().put_nowait(_Fetched(1, [_message(5, 1, b"x" * 20), _message(6, 1)]))
        batches = [await asyncio.wait_for(intake.take(), 5) for _ in range(3)]
        # Each batch stops at the first record that reaches 10 bytes; fetches are joined.
        assert [[r.offset for r in b.records] for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
        _close(app)

    asyncio.run(scenario())


def test_nothing_is_handed_over_while_flow_is_suspended() -> None:
    async def scenario() -> None:
        app = await _app()
        intake = BatchIntake(app, [TOPIC])
        app.consumer_generation_id = 1
        app.flow_control.suspend()  # a rebalance began after the fetch
        intake._fetched().put_nowait(_Fetched(1, [_message(0, 1)]))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(intake.take(), 0.2)
        assert not set(app.consumer.unacked)
        _close(app)

    asyncio.run(scenario())


def test_install_replaces_faust_s_fetch_loop_and_refuses_another_consumer() -> None:
    async def scenario() -> None:
        app = await _app()
        BatchIntake(app, [TOPIC]).install()
        assert app.consumer.__dict__["_drain_messages"].__qualname__ == "BatchIntake._drain"

        class Bare:
            consumer = object()

        with pytest.raises(BatchIntakeError, match=r"faust-streaming 0\.15"):
            BatchIntake(Bare(), [TOPIC]).install()  # type: ignore[arg-type]
        _close(app)

    asyncio.run(scenario())
