"""The stream processor, its stages in the order a record meets them.

    intake/       a consumed batch: decode, validate, select per dataset, dead-letter the rest
                  (`metric_event_handler` drives the stages below for one batch)
    datasets/     what each dataset watches: YAML, validated once at start-up (configuration)
    aggregation/  per-series intervals in event time: buckets, watermarks, no-data
    scoring/      a closed interval through the series' model and the dataset's rules: a verdict,
                  anomaly and score events, "still out" statuses
    drift/        drift per series: measure, decide, retrain or roll back from normal points only
    incidents/    anomalies grouped into incidents, their lifecycle, feedback and limits
    snapshots/    model state kept durable on a schedule, K deep, restored on assignment
    priming/      history through the same handler before a dataset alerts
    engine/       where the stages meet Kafka: the seam (`base.py`: `Engine`, `Checkpoint`), commit
                  marks, output sending; `engine/faust/` is the only code that knows faust-streaming

Stages are plain Python over plain records: none imports `engine/faust` (`make lint` checks
it; intake reads the commit marks a partition resumes from). Beside them: `settings`
(the worker's typed settings), `metrics` (Prometheus), `web_access`, `worker_topics`. See
docs/architecture.md.
"""
