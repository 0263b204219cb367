"""The one exception root of dexwatch; every error we raise derives from `DexwatchError`.

Each subclass also inherits the builtin it naturally is, so callers may catch either. The
whole tree (`tests/test_exception_tree.py` fails on any exception class outside it):

    DexwatchError
    ├── SchemaError (ValueError)                 an event or record does not match its schema
    ├── ConfigError (ValueError)                 a setting is missing or invalid
    ├── KafkaSetupError (RuntimeError)           the local broker cannot be fetched or started
    ├── DetectorInputError (ValueError)          a point a series' model cannot score
    ├── StateFormatError (ValueError)            model or aggregator state that cannot be read
    ├── LabelError (ValueError)                  detectors/evaluation: a labels file
    ├── TimeParseError (ValueError)              detectors/backtest_io: a time column
    │   └── MixedTimeFormatError
    ├── DriftActionError (RuntimeError)          streams/drift: a retrain or rollback failed
    │   ├── NoSnapshotError (LookupError)
    │   └── NotEnoughDataError
    ├── CommittedReadError (RuntimeError)        streams/engine/commit_marks
    ├── CommitHookError (RuntimeError)           streams/engine/faust/checkpoint.py
    ├── BatchIntakeError (RuntimeError)          streams/engine/faust/batch_intake.py
    ├── ChangelogWriteError (RuntimeError)       streams/snapshots
    ├── IncidentNotFoundError (LookupError)      streams/incidents
    ├── TopicReadError (RuntimeError)            streams/topic_reader
    ├── ProducerError (RuntimeError)             connectors/kafka_producer
    ├── LabelsFileError (ValueError)             connectors/anomaly_labels
    ├── PlanError (ValueError)                   connectors/dex_anomalies: an injection plan
    ├── TheGraphError                            connectors/thegraph/errors.py
    │   ├── FatalQueryError (RuntimeError)
    │   │   ├── AuthError
    │   │   └── BadQueryError
    │   │       └── SchemaDriftError
    │   ├── RetryableQueryError (RuntimeError)
    │   │   └── StaleBlockError
    │   ├── RetriesExhaustedError (RuntimeError)
    │   ├── BudgetExhaustedError (RuntimeError)
    │   ├── CheckpointError (ValueError)
    │   └── UpstreamValueError (ValueError)
    ├── SinkError (RuntimeError)                 sinks/errors.py
    │   └── LedgerError
    ├── SignatureError (ValueError)              sinks/webhook/verification
    ├── ConsoleError                             console/errors.py
    │   ├── BadParameter (ValueError)
    │   ├── NotFound (LookupError)
    │   └── TooManyJobs
    └── MissingData (FileNotFoundError)          bench/quality: a corpus that is not there
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DetectorInputError",
    "DexwatchError",
    "KafkaSetupError",
    "SchemaError",
    "StateFormatError",
]


class DexwatchError(Exception):
    """Root of every error dexwatch raises on purpose."""


class SchemaError(DexwatchError, ValueError):
    """An event or record does not match its schema.

    `kind` is a short, bounded code (safe as a metric label); `reason` is for people.
    """

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason


class ConfigError(DexwatchError, ValueError):
    """A setting is missing or invalid; the message names the field."""


class KafkaSetupError(DexwatchError, RuntimeError):
    """The local Kafka broker could not be fetched, started or reached.

    `hint` tells the user what to do about it.
    """

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(f"{message}\n  what to do: {hint}")
        self.hint = hint


class DetectorInputError(DexwatchError, ValueError):
    """A point cannot be scored by its series' model (e.g. its measures changed)."""


class StateFormatError(DexwatchError, ValueError):
    """Detector state that cannot be read or written by `detectors.state_codec`.

    Raised on wrong magic bytes, an unknown format version, truncated or corrupted bytes, the
    state of another kind of detector, or values the format cannot hold.
    """
