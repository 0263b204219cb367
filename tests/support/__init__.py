"""The harness shared by the tests and the benchmarks (`bench/`): a `dexwatch worker` process
read through its /metrics, and the Kafka helpers (free ports, topics, produce, consume, wait).

It imports no pytest: `python -m bench.pipeline` runs it outside a test session, with the
repository root on `sys.path`."""
