"""Hypothesis strategies for valid events, shared by the schema tests."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from dexwatch.schemas import (
    AnomalyEvent,
    DeadLetterRecord,
    MeasureContribution,
    MetricEvent,
    SourceOffsets,
    anomaly_id,
    series_key,
)

__all__ = [
    "NAME_REGEX",
    "anomaly_events",
    "aware_datetimes",
    "bad_names",
    "dead_letter_records",
    "dimension_values",
    "dimensions",
    "finite_floats",
    "measure_values",
    "metric_events",
    "names",
    "utc_offsets",
]

# The name rule from schemas/metric_event.py, unanchored, for `re.fullmatch`.
NAME_REGEX = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")

# Real-world offsets are whole minutes (ISO 8601 and RFC 3339 cannot say more); up to ±23:59.
# Sub-minute offsets are covered on their own in test_anomaly_event.py.
utc_offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Aware datetimes with assorted fixed offsets, far enough from year 1 and 9999 to convert."""
    return st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=utc_offsets,
    )


names = st.from_regex(NAME_REGEX, fullmatch=True)
bad_names = st.one_of(
    st.sampled_from(
        ["", "1tvl", "-tvl", ".tvl", "tvl usd", "tvl,usd", "tvl=usd", "tvl\n", "x" * 65]
    ),
    st.text(max_size=70).filter(lambda text: NAME_REGEX.fullmatch(text) is None),
)
finite_floats = st.floats(allow_nan=False, allow_infinity=False)
# Integers are numbers too (`"tx_count": 412`); they come back as floats.
measure_values = st.one_of(finite_floats, st.integers(min_value=-(2**53), max_value=2**53))
dimension_values = st.text(min_size=1, max_size=256)
dimensions = st.dictionaries(names, dimension_values, max_size=6)


def metric_events() -> st.SearchStrategy[MetricEvent]:
    return st.builds(
        MetricEvent,
        event_time=aware_datetimes(),
        source=st.text(min_size=1, max_size=200),
        dimensions=dimensions,
        measures=st.dictionaries(names, measure_values, min_size=1, max_size=8),
        event_id=st.none() | st.text(min_size=1, max_size=200),
    )


def _contributions() -> st.SearchStrategy[MeasureContribution]:
    return st.builds(
        MeasureContribution,
        measure=names,
        value=finite_floats,
        expected_low=finite_floats,
        expected_high=finite_floats,
        deviation=finite_floats,
    )


@st.composite
def anomaly_events(draw: st.DrawFn) -> AnomalyEvent:
    dataset = draw(st.text(min_size=1, max_size=200))
    detector_version = draw(st.text(min_size=1, max_size=100))
    event_dimensions = draw(dimensions)
    series = series_key(event_dimensions)
    start = draw(aware_datetimes())
    # The end may be written with another offset: order is by instant, not by wall clock.
    length = draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=7)))
    end = (start + length).astimezone(draw(utc_offsets))
    return AnomalyEvent(
        anomaly_id=anomaly_id(dataset, series, start, detector_version),
        dataset=dataset,
        series=series,
        dimensions=event_dimensions,
        interval_start=start,
        interval_end=end,
        score=draw(st.floats(min_value=0.0, max_value=1.0)),
        severity=draw(st.integers(min_value=0, max_value=100)),
        measures=draw(st.lists(_contributions(), min_size=1, max_size=4)),
        detector_version=detector_version,
        detected_at=draw(aware_datetimes()),
        kind="anomaly",
        explanation=draw(st.text(max_size=200)),
        config_hash=draw(st.text(alphabet="0123456789abcdef", max_size=16)),
        model_snapshot_version=draw(st.integers(min_value=0, max_value=2**40)),
        source_offsets=draw(
            st.lists(
                st.builds(
                    SourceOffsets,
                    topic=st.text(min_size=1, max_size=30),
                    partition=st.integers(min_value=0, max_value=1023),
                    first=st.integers(min_value=0, max_value=2**40),
                    last=st.integers(min_value=0, max_value=2**40),
                ),
                max_size=3,
            )
        ),
    )


def dead_letter_records() -> st.SearchStrategy[DeadLetterRecord]:
    # `original` is whatever was on the topic: arbitrary bytes, most of them not UTF-8.
    return st.builds(
        DeadLetterRecord,
        original=st.binary(max_size=256),
        original_key=st.none() | st.binary(max_size=64),
        topic=st.text(min_size=1, max_size=50),
        partition=st.integers(min_value=0, max_value=2**31 - 1),
        offset=st.integers(min_value=0, max_value=2**63 - 1),
        reason_kind=st.text(min_size=1, max_size=64),
        reason=st.text(min_size=1, max_size=300),
        failed_at=aware_datetimes(),
    )
