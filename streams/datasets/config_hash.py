"""A short, stable fingerprint of a dataset's validated settings, carried by anomaly events.

Computed on the validated model (defaults filled in, durations normalised), so a file
reformatted or reordered keeps its hash and any change of meaning changes it. The `alerting`
section is left out: it decides which anomalies become incidents, not what an anomaly is, so
tuning it neither changes the anomalies' hash nor the models' identity. `event_times` is left
out too: it decides which events are taken, not how they are scored; so are `backfill` (what a
connector sends first), `alert_after` (which anomalies are sent at all, docs/priming.md) and
`idle_timeout` (when a silent series stops being waited for, docs/datasets.md) and
`publish_scores` (whether scores are written for the console).
Incidents carry both: `incident_config_hash` is `config_hash` and `alerting_hash` joined by `+`.
"""

from __future__ import annotations

import hashlib

import orjson

from dexwatch.streams.datasets.config import DatasetConfig

__all__ = ["alerting_hash", "config_hash", "incident_config_hash"]

HASH_HEX_DIGITS = 16
_NOT_HASHED = {
    "alerting",
    "event_times",
    "backfill",
    "alert_after",
    "idle_timeout",
    "publish_scores",
}


def config_hash(dataset: DatasetConfig) -> str:
    """sha256 of the canonical JSON (sorted keys, compact) of `dataset`, first 16 hex digits."""
    data = dataset.model_dump(mode="json", exclude=_NOT_HASHED)
    # Rules named are part of the meaning; none named leaves the hash it had before rules.
    if not data["detectors"]:
        del data["detectors"]
    if isinstance(data["measures"], list):
        for measure in data["measures"]:
            if not measure["rules"]:
                del measure["rules"]
    return _digest(data)


def alerting_hash(dataset: DatasetConfig) -> str:
    """The same fingerprint of the dataset's `alerting` section alone."""
    return _digest(dataset.alerting.model_dump(mode="json"))


def incident_config_hash(dataset: DatasetConfig) -> str:
    """What incident events carry: `<config_hash>+<alerting_hash>`."""
    return f"{config_hash(dataset)}+{alerting_hash(dataset)}"


def _digest(data: object) -> str:
    canonical = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()[:HASH_HEX_DIGITS]
