"""Event schemas shared by every part of dexwatch, and the one exception root."""

from schemas.anomaly_event import AnomalyEvent, MeasureContribution, anomaly_id
from schemas.codec import INVALID_JSON, INVALID_SCHEMA, decode, encode
from schemas.dead_letter import DeadLetterRecord
from schemas.errors import (
    ConfigError,
    DetectorInputError,
    DexwatchError,
    KafkaSetupError,
    SchemaError,
    StateFormatError,
)
from schemas.metric_event import MetricEvent, series_key

__all__ = [
    "INVALID_JSON",
    "INVALID_SCHEMA",
    "AnomalyEvent",
    "ConfigError",
    "DeadLetterRecord",
    "DetectorInputError",
    "DexwatchError",
    "KafkaSetupError",
    "MeasureContribution",
    "MetricEvent",
    "SchemaError",
    "StateFormatError",
    "anomaly_id",
    "decode",
    "encode",
    "series_key",
]
