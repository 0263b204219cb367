"""The engine seam: `base.py` says what the worker needs from a stream engine (batches,
ordered rebalance steps, sends, changelog stores, timers, routes, a numbered `Checkpoint`);
`faust/` implements it and is the only place that imports faust. Beside them, what any engine
needs: commit marks (`commit_marks/`), awaited output sends, the heap freezer."""
