"""The worker's `faust.App`: stream queues that keep their records when flow resumes, and a
web port with none of faust's own routes (`streams/engine/faust/closed_web.py`).

faust creates every channel queue `clear_on_resume`, and its table recovery resumes flow
control twice per rebalance: once to read the changelogs, and again at the end of
`Recovery.on_recovery_completed` (faust/tables/recovery.py), after it has resumed the stream
partitions and awaited `perform_seek` (tens to hundreds of ms). Records fetched in that
window sit in the agent's queue, and the second resume drops them, while the consumer's
position is already past them: nothing reads them again, and faust commits past them once
later offsets are acknowledged. Seen in the two-worker kill -9 test as single-record holes
and, when nothing followed, as a worker idle with records unscored.

Not clearing is safe for stream queues: during a rebalance faust suspends flow control, and
the stream skips (neither tracks nor acknowledges) an event taken while flow is suspended or
from an older consumer generation; the offset tracker drops any record handed over twice.
The table manager's changelog queue keeps faust's clearing (`worker_app`): a changelog record
left from a recovery and applied after it could overwrite a newer value.
"""

from __future__ import annotations

from typing import Any

import faust

from dexwatch.streams.engine.faust.closed_web import ClosedWeb

__all__ = ["WorkerApp", "worker_app"]


class WorkerApp(faust.App):
    def FlowControlQueue(  # faust's name
        self, maxsize: int | None = None, *, clear_on_resume: bool = False
    ) -> Any:
        return super().FlowControlQueue(maxsize, clear_on_resume=False)

    def _new_web(self) -> Any:  # faust's factory of `app.web`
        return ClosedWeb(self)


def worker_app(*args: Any, **kwargs: Any) -> WorkerApp:
    """A `WorkerApp` (arguments as `faust.App`'s) whose changelog queue is cleared on resume."""
    app = WorkerApp(*args, **kwargs)
    tables: Any = app.tables
    tables._changelog_queue = faust.App.FlowControlQueue(
        app, maxsize=app.conf.stream_buffer_maxsize, clear_on_resume=True
    )
    return app
