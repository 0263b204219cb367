"""What the commit marks need from the worker's datasets: holds, watermarks, size."""

from __future__ import annotations

from collections.abc import Sequence

from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.engine.commit_marks.commit_mark import METADATA_LIMIT, CommitMark, encode_mark
from dexwatch.streams.intake.records import Partition
from dexwatch.streams.scoring.dataset_runtime import DatasetRuntime

__all__ = ["check_mark_size", "first_open_offsets", "watermarks_by_topic"]


def first_open_offsets(datasets: Sequence[DatasetRuntime]) -> dict[Partition, int]:
    """Per partition, the first record held in any dataset's open interval."""
    firsts: dict[Partition, int] = {}
    for runtime in datasets:
        for where, offset in runtime.aggregator.first_open_offsets().items():
            if offset < firsts.get(where, offset + 1):
                firsts[where] = offset
    return firsts


def watermarks_by_topic(datasets: Sequence[DatasetRuntime]) -> dict[str, dict[str, int]]:
    """Per input topic, its interval datasets' watermarks (µs; those that have one)."""
    found: dict[str, dict[str, int]] = {}
    for runtime in datasets:
        watermark = runtime.aggregator.watermark_us
        if runtime.dataset.interval_seconds is not None and watermark is not None:
            found.setdefault(runtime.dataset.source.topic, {})[runtime.dataset.name] = watermark
    return found


def check_mark_size(datasets: Sequence[DatasetRuntime]) -> None:
    """A commit's mark names every interval dataset of its topic; Kafka caps its size."""
    names: dict[str, dict[str, int]] = {}
    for runtime in datasets:
        if runtime.dataset.interval_seconds is not None:
            names.setdefault(runtime.dataset.source.topic, {})[runtime.dataset.name] = 2**62
    for topic, watermarks in names.items():
        size = len(encode_mark(CommitMark(2**62, 2**62, watermarks)))
        if size > METADATA_LIMIT:
            raise ConfigError(
                f"{len(watermarks)} interval datasets read topic {topic!r}: their commit marks "
                f"would take {size} bytes, over Kafka's {METADATA_LIMIT}; split them over "
                "workers (each its own app id) or shorten their names"
            )
