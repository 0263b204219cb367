"""The whole pipeline against a real broker, one scenario a module: throughput, two workers,
latency, recovery.

    python -m bench.pipeline [SCENARIO ...] [--events 1000000] [--series 10000] ...
                             [--json figures.json]

Starts its own Apache Kafka (`dexwatch.deploy.local_kafka`, free loopback ports, a temporary
data dir) and stops it at the end; every worker is a `dexwatch worker` subprocess with its own
app id (consumer group), data dir and web port, read through its Prometheus `/metrics`
(`tests.support.worker_process`, the harness the tests use).

- throughput (`throughput.py`): `--events` DEX-like metric events (3 measures, event times one
  minute apart per series) over `--series` series are produced first (confluent-kafka, lz4)
  as batch envelopes: each record a JSON array of up to `--envelope` events whose series hash
  to the record key's partition (`bench.envelopes`), into a topic of 8 partitions (with
  `--envelope 1`, single events: one JSON object a record, keyed by its series). One worker
  on the default dataset (every event scored, warm-up 600) is then timed from its first
  consumed record to `dexwatch_events_scored_total` = events. In the same process, afterwards:
  the same records decoded, and a bare river `HalfSpaceTrees` loop (10 trees, height 8, window
  250, one model per series, `score_one` + `learn_one`, inputs pre-scaled into each series'
  warm-up box and each model first fed `--river-warmup` points, all untimed, as `bench.speed`
  does) over them (`river_loop.py`).
- two-workers (`two_workers.py`): two workers in one fresh group on the same pre-produced
  topic (throughput's, when it ran first).
- latency (`latency.py`, `interval_latency.py`): a steady `--rate` events/s for `--seconds`
  (single events keyed by series, or envelopes of `--latency-envelope`) on a fresh topic,
  after the series are warmed up; produce time to anomaly-event arrival, for natural anomalies
  and for probe spikes; the worker's latency histogram; and an interval dataset's delay from
  an interval's closing to its anomaly.
- recovery (`recovery.py`): a worker holding `--recovery-series` series is killed (SIGKILL)
  and restarted; time until it scores new events again (its snapshot writes before the kill
  are printed).
"""
