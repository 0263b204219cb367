"""From a validated event to what a dataset aggregates: its series and its measure inputs.

Filtering, dimension projection and measure extraction live here, so the aggregator only
sees measure names and values, whatever the event type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dexwatch.schemas.dex_transaction import DexTransaction
from dexwatch.schemas.metric_event import MetricEvent, series_key
from dexwatch.streams.datasets.config import DatasetConfig
from dexwatch.streams.datasets.measure_spec import MeasureSpec
from dexwatch.streams.datasets.rejection import MISSING_DIMENSION, NO_MEASURES, Rejection

__all__ = ["EventSelector", "Observation"]

Event = MetricEvent | DexTransaction


@dataclass(frozen=True, slots=True)
class Observation:
    """One event as a dataset sees it; `values` are keyed by measure name.

    A measure the event does not feed is absent; `count` gets 1.0, `count_distinct` the text.
    """

    series: str
    dimensions: dict[str, str]
    event_time: datetime
    values: dict[str, float | str]


class EventSelector:
    """Applies one dataset's filter, dimensions and measures to events of its source."""

    def __init__(self, dataset: DatasetConfig) -> None:
        self.dataset = dataset
        self._transactions = dataset.source.format == "dex_transaction"
        # Projected dimensions (as the event lists them) -> (series key, dimensions): the key
        # is built once per series, not per event. Bounded: cleared when it outgrows the
        # dataset's series (events may list dimensions in any order).
        self._series: dict[tuple[tuple[str, str], ...], tuple[str, dict[str, str]]] = {}
        self._series_limit = 2 * dataset.max_series + 1_000

    def select(self, event: Event) -> Observation | Rejection | None:
        """The observation; a rejection saying why not; None if not this dataset's event."""
        if isinstance(event, DexTransaction) != self._transactions:
            raise TypeError(f"{self.dataset.name} reads {self.dataset.source.format} events")
        kind = event.kind if isinstance(event, DexTransaction) else None
        if not self.dataset.source.filter.matches(event.source, event.dimensions, kind):
            return None
        identity = self._identity(event)
        if isinstance(identity, Rejection):
            return identity
        values = self._values(event)
        if not values:
            return Rejection(NO_MEASURES, f"the event feeds none of {self.dataset.name}'s measures")
        series, dimensions = identity
        return Observation(series, dimensions, event.event_time, values)

    def _identity(self, event: Event) -> tuple[str, dict[str, str]] | Rejection:
        """The event's series key and projected dimensions (shared, never to be mutated)."""
        wanted = self.dataset.dimensions
        if isinstance(wanted, str):
            projected = tuple(event.dimensions.items())
        else:
            try:
                projected = tuple((name, event.dimensions[name]) for name in wanted)
            except KeyError:
                missing = [name for name in wanted if name not in event.dimensions]
                return Rejection(
                    MISSING_DIMENSION, f"{self.dataset.name} needs dimension(s) {missing}"
                )
        known = self._series.get(projected)
        if known is None:
            if len(self._series) >= self._series_limit:
                self._series.clear()
            dimensions = dict(projected)
            known = self._series[projected] = (series_key(dimensions), dimensions)
        return known

    def _values(self, event: Event) -> dict[str, float | str]:
        measures = self.dataset.measures
        if isinstance(measures, str):
            assert isinstance(event, MetricEvent)  # validation allows '*' for metric events only
            return dict(event.measures)
        values: dict[str, float | str] = {}
        for spec in measures:
            value = _input(spec, event)
            if value is not None:
                values[spec.name] = 1.0 if spec.aggregation == "count" else value
        return values


def _input(spec: MeasureSpec, event: Event) -> float | str | None:
    """What `spec` reads from `event`, or None when the event does not feed it."""
    field = spec.input_field
    if isinstance(event, MetricEvent):
        return 1.0 if field is None else event.measures.get(field)
    if spec.kinds is not None and event.kind not in spec.kinds:
        return None
    if field is None:
        return 1.0
    value = getattr(event, field)
    assert value is None or isinstance(value, float | str)  # the dataset validated `field`
    return value
