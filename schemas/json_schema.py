"""JSON Schema documents for every event type, for producers and consumers in other languages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from dexwatch.schemas.anomaly_event import AnomalyEvent
from dexwatch.schemas.dead_letter import DeadLetterRecord
from dexwatch.schemas.dex_transaction import DexTransaction
from dexwatch.schemas.feedback import FeedbackEvent
from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.incident_control import IncidentControl
from dexwatch.schemas.metric_event import MetricEvent
from dexwatch.schemas.model_action import ModelActionEvent
from dexwatch.schemas.score_event import ScoreEvent
from dexwatch.schemas.sink_dead_letter import SinkDeadLetterRecord

__all__ = ["JSON_SCHEMA_DIALECT", "export_json_schemas", "json_schemas"]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# (file stem, model, mode). Metric events are what producers send us, so their schema says what
# we accept ("validation"). Anomalies and dead letters are what we write, so theirs says what
# readers will get ("serialization"): the shape `encode()` produces, e.g. bytes as base64.
# DEX transactions are what our connectors write, so theirs is "serialization" too.
_EVENT_TYPES: tuple[tuple[str, type[BaseModel], JsonSchemaMode], ...] = (
    ("metric-event", MetricEvent, "validation"),
    ("anomaly-event", AnomalyEvent, "serialization"),
    ("dead-letter-record", DeadLetterRecord, "serialization"),
    ("dex-transaction", DexTransaction, "serialization"),
    ("model-action-event", ModelActionEvent, "serialization"),
    ("incident-event", IncidentEvent, "serialization"),
    ("feedback-event", FeedbackEvent, "validation"),
    ("sink-dead-letter-record", SinkDeadLetterRecord, "serialization"),
    ("score-event", ScoreEvent, "serialization"),
    ("incident-control", IncidentControl, "serialization"),
)


def json_schemas() -> dict[str, dict[str, Any]]:
    """Each event type's JSON Schema (draft 2020-12), keyed by the file name it is exported as."""
    documents: dict[str, dict[str, Any]] = {}
    for stem, model, mode in _EVENT_TYPES:
        document = model.model_json_schema(mode=mode)
        _close_pattern_properties(document)
        document["$schema"] = JSON_SCHEMA_DIALECT
        document["$id"] = f"urn:dexwatch:schema:{stem}"
        documents[f"{stem}.schema.json"] = document
    return documents


def _close_pattern_properties(node: Any) -> None:
    """Reject keys that match no pattern, as the models do.

    pydantic writes `dict[<str with pattern>, V]` as `patternProperties` alone, which in JSON
    Schema lets any other key through: `{"measures": {"bad name": 1}}` would pass.
    """
    if isinstance(node, dict):
        if "patternProperties" in node:
            node.setdefault("additionalProperties", False)
        for child in node.values():
            _close_pattern_properties(child)
    elif isinstance(node, list):
        for child in node:
            _close_pattern_properties(child)


def export_json_schemas(directory: Path) -> list[Path]:
    """Write one `<event-type>.schema.json` per event type into `directory`, creating it.

    The files are indented with sorted keys, so they diff cleanly when kept in version control.
    Returns the written paths. Raises `OSError` if the directory cannot be created or written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in json_schemas().items():
        path = directory / name
        path.write_bytes(
            orjson.dumps(
                document,
                option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE,
            )
        )
        written.append(path)
    return written
