"""Event schemas shared by every part of dexwatch, and the one exception root.

Loaded lazily (PEP 562): `from dexwatch.schemas.errors import DexwatchError` must not load
pydantic and every event model (`dexwatch --help` imports it); a name below loads its module
on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dexwatch.schemas.lazy_exports import lazy_exports

if TYPE_CHECKING:
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

_MODULES = {
    "AnomalyEvent": "dexwatch.schemas.anomaly_event",
    "MeasureContribution": "dexwatch.schemas.anomaly_event",
    "SourceOffsets": "dexwatch.schemas.anomaly_event",
    "anomaly_id": "dexwatch.schemas.anomaly_event",
    "INVALID_JSON": "dexwatch.schemas.codec",
    "INVALID_SCHEMA": "dexwatch.schemas.codec",
    "decode": "dexwatch.schemas.codec",
    "encode": "dexwatch.schemas.codec",
    "DeadLetterRecord": "dexwatch.schemas.dead_letter",
    "TRANSACTION_KINDS": "dexwatch.schemas.dex_transaction",
    "DexTransaction": "dexwatch.schemas.dex_transaction",
    "TransactionKind": "dexwatch.schemas.dex_transaction",
    "transaction_event_id": "dexwatch.schemas.dex_transaction",
    "ConfigError": "dexwatch.schemas.errors",
    "DetectorInputError": "dexwatch.schemas.errors",
    "DexwatchError": "dexwatch.schemas.errors",
    "KafkaSetupError": "dexwatch.schemas.errors",
    "SchemaError": "dexwatch.schemas.errors",
    "StateFormatError": "dexwatch.schemas.errors",
    "FeedbackEvent": "dexwatch.schemas.feedback",
    "FeedbackTarget": "dexwatch.schemas.feedback",
    "feedback_id": "dexwatch.schemas.feedback",
    "feedback_on": "dexwatch.schemas.feedback",
    "IncidentContributor": "dexwatch.schemas.incident",
    "IncidentEvent": "dexwatch.schemas.incident",
    "IncidentFeedback": "dexwatch.schemas.incident",
    "incident_id": "dexwatch.schemas.incident",
    "IncidentControl": "dexwatch.schemas.incident_control",
    "MetricEvent": "dexwatch.schemas.metric_event",
    "series_key": "dexwatch.schemas.metric_event",
    "ModelActionEvent": "dexwatch.schemas.model_action",
    "model_action_id": "dexwatch.schemas.model_action",
    "ScoreEvent": "dexwatch.schemas.score_event",
    "SinkDeadLetterRecord": "dexwatch.schemas.sink_dead_letter",
}


__getattr__, __dir__ = lazy_exports(__name__, _MODULES)
