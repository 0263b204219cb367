"""A short, stable fingerprint of a dataset's validated settings, carried by anomaly events.

Computed on the validated model (defaults filled in, durations normalised), so a file
reformatted or reordered keeps its hash and any change of meaning changes it.
"""

from __future__ import annotations

import hashlib

import orjson

from streams.datasets.dataset_config import DatasetConfig

__all__ = ["config_hash"]

HASH_HEX_DIGITS = 16


def config_hash(dataset: DatasetConfig) -> str:
    """sha256 of the canonical JSON (sorted keys, compact) of `dataset`, first 16 hex digits."""
    canonical = orjson.dumps(dataset.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()[:HASH_HEX_DIGITS]
