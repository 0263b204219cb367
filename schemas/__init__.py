"""Event schemas shared by every part of dexwatch, and the one exception root."""

from dexwatch.schemas.anomaly_event import (
    AnomalyEvent,
    MeasureContribution,
    SourceOffsets,
    anomaly_id,
)
from dexwatch.schemas.codec import INVALID_JSON, INVALID_SCHEMA, decode, encode
from dexwatch.schemas.dead_letter import DeadLetterRecord
from dexwatch.schemas.dex_transaction import (
    TRANSACTION_KINDS,
    DexTransaction,
    TransactionKind,
    transaction_event_id,
)
from dexwatch.schemas.errors import (
    ConfigError,
    DetectorInputError,
    DexwatchError,
    KafkaSetupError,
    SchemaError,
    StateFormatError,
)
from dexwatch.schemas.feedback import FeedbackEvent, FeedbackTarget, feedback_id, feedback_on
from dexwatch.schemas.incident import (
    IncidentContributor,
    IncidentEvent,
    IncidentFeedback,
    incident_id,
)
from dexwatch.schemas.incident_control import IncidentControl
from dexwatch.schemas.metric_event import MetricEvent, series_key
from dexwatch.schemas.model_action import ModelActionEvent, model_action_id
from dexwatch.schemas.score_event import ScoreEvent
from dexwatch.schemas.sink_dead_letter import SinkDeadLetterRecord

__all__ = [
    "INVALID_JSON",
    "INVALID_SCHEMA",
    "TRANSACTION_KINDS",
    "AnomalyEvent",
    "ConfigError",
    "DeadLetterRecord",
    "DetectorInputError",
    "DexTransaction",
    "DexwatchError",
    "FeedbackEvent",
    "FeedbackTarget",
    "IncidentContributor",
    "IncidentControl",
    "IncidentEvent",
    "IncidentFeedback",
    "KafkaSetupError",
    "MeasureContribution",
    "MetricEvent",
    "ModelActionEvent",
    "SchemaError",
    "ScoreEvent",
    "SinkDeadLetterRecord",
    "SourceOffsets",
    "StateFormatError",
    "TransactionKind",
    "anomaly_id",
    "decode",
    "encode",
    "feedback_id",
    "feedback_on",
    "incident_id",
    "model_action_id",
    "series_key",
    "transaction_event_id",
]
