"""Anomaly events as one line a person can read at a glance."""

from __future__ import annotations

from dexwatch.schemas.anomaly_event import AnomalyEvent

__all__ = ["compact_number", "describe_anomaly"]


def describe_anomaly(anomaly: AnomalyEvent) -> str:
    """One line: severity, interval start, series, and each measure against its band."""
    moves = "; ".join(
        f"{move.measure} {compact_number(move.value)} "
        f"(expected {compact_number(move.expected_low)}-{compact_number(move.expected_high)})"
        for move in anomaly.measures
    )
    when = anomaly.interval_start.strftime("%Y-%m-%d %H:%M UTC")
    return f"ANOMALY sev {anomaly.severity:3d}  {when}  {anomaly.series}  | {moves}"


def compact_number(value: float) -> str:
    """Three significant figures, with k, M or B from a thousand on: `7.4k`, `0.695`."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.3g}"
