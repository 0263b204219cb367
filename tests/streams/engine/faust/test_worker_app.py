"""The worker's stream queues keep their records when faust resumes flow control."""

from __future__ import annotations

from typing import Any

import faust

from dexwatch.streams.engine.faust.worker_app import WorkerApp, worker_app


def _kept_after_resume(app: faust.App) -> int:
    queue = app.FlowControlQueue(maxsize=10, clear_on_resume=True)  # as faust's channels ask
    app.flow_control.suspend()
    queue.put_nowait("a record fetched while the partitions were resumed")
    app.flow_control.resume()  # the end of faust's table recovery
    return queue.qsize()


def test_a_resume_drops_nothing_from_the_worker_s_queues() -> None:
    assert _kept_after_resume(WorkerApp("queue-test", autodiscover=False)) == 1


def test_faust_s_own_app_drops_it_which_is_what_the_subclass_is_for() -> None:
    assert _kept_after_resume(faust.App("queue-test-faust", autodiscover=False)) == 0


def test_the_changelog_queue_is_still_cleared() -> None:
    """A changelog record left from a recovery must not be applied after it."""
    app = worker_app("queue-test-tables", autodiscover=False)
    tables: Any = app.tables  # faust's TableManagerT type does not name the queue
    queue = tables.changelog_queue
    app.flow_control.suspend()
    queue.put_nowait("a changelog record read during recovery")
    app.flow_control.resume()
    assert queue.qsize() == 0
    assert _kept_after_resume(app) == 1
