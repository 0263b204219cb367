"""A dataset: what to watch, declared in YAML and validated once at start-up.

A dataset names its source, the dimensions whose value combinations are its series, its
measures and how each is aggregated per interval, and the detector settings of its series.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
)

from dexwatch.detectors.registry import MEASURE_RULES, SERIES_DETECTORS
from dexwatch.detectors.series_settings import SeriesModelSettings
from dexwatch.schemas.metric_event import DimensionName
from dexwatch.streams.datasets.alerting_config import TOKEN, AlertingConfig
from dexwatch.streams.datasets.drift_config import DriftConfig
from dexwatch.streams.datasets.durations import format_duration, parse_duration
from dexwatch.streams.datasets.event_time_window import EventTimeWindow
from dexwatch.streams.datasets.measure_spec import (
    TRANSACTION_NUMBER_FIELDS,
    TRANSACTION_TEXT_FIELDS,
    MeasureSpec,
)
from dexwatch.streams.datasets.rule_error import rule_error
from dexwatch.streams.datasets.rule_spec import RuleSpec, check_rule
from dexwatch.streams.datasets.source import DatasetSource
from dexwatch.streams.drift.rules import DriftRuleSettings

__all__ = [
    "ALL",
    "MAX_INTERVAL_SECONDS",
    "MIN_INTERVAL_SECONDS",
    "NO_INTERVAL",
    "WILDCARD_TAGS",
    "DatasetConfig",
]

ALL = "*"
NO_INTERVAL = "none"
MIN_INTERVAL_SECONDS = 60
MAX_INTERVAL_SECONDS = 86_400
MAX_LATENESS_SECONDS = 7 * 86_400
MAX_IDLE_SECONDS = 30 * 86_400
MAX_HISTORY_SECONDS = 3650 * 86_400

ItemT = TypeVar("ItemT")

Slug = Annotated[str, Field(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]

# "A list, or '*' for all": tagged so an error names one branch, not both; the loader drops
# the tags from field paths (no name can contain '<').
WILDCARD_TAGS = ("<list>", "<all>")


def _list_or_all(value: object) -> str:
    return WILDCARD_TAGS[1] if value == ALL else WILDCARD_TAGS[0]


Dimensions = Annotated[
    Annotated[tuple[DimensionName, ...], Tag(WILDCARD_TAGS[0])]
    | Annotated[Literal["*"], Tag(WILDCARD_TAGS[1])],
    Discriminator(_list_or_all),
]
Measures = Annotated[
    Annotated[tuple[MeasureSpec, ...], Tag(WILDCARD_TAGS[0])]
    | Annotated[Literal["*"], Tag(WILDCARD_TAGS[1])],
    Discriminator(_list_or_all),
]


class DatasetConfig(BaseModel):
    """One dataset. `"*"` dimensions: all the event has; `"*"` measures: all, unaggregated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Slug
    source: DatasetSource
    dimensions: Dimensions
    measures: Measures
    interval: str = Field(description="'1m'..'1d' (divides a day), or 'none': every event.")
    allowed_lateness: str | None = Field(default=None, description="Default: one interval.")
    no_data: bool = Field(default=False, description="A missing interval is a signal.")
    no_data_max_consecutive: int = Field(default=3, ge=1, le=10_000)
    publish_scores: bool | None = Field(
        default=None,
        description="Write a record per scored interval to the scores topic (the console "
        "draws series from it). Default: on for interval datasets, off for every-event ones.",
    )
    idle_timeout: str | None = Field(
        default=None,
        description="A series silent while the dataset's event time moves on this long closes "
        "what it holds (and misses intervals). Default: allowed_lateness plus 2 intervals.",
    )
    detector: SeriesModelSettings = Field(default_factory=SeriesModelSettings)
    alert_threshold: float | None = Field(default=None, gt=0.0, lt=1.0)
    max_series: int = Field(default=100_000, ge=1, le=10_000_000)
    detectors: tuple[RuleSpec, ...] = Field(
        default=(), description="Detectors of all a series' measures beside the model."
    )
    high_impact_measures: tuple[Annotated[str, Field(min_length=1, max_length=129)], ...] = Field(
        default=(), description="Measures (or ratios 'a/b') whose drift escalates a decision."
    )
    drift: DriftConfig = Field(default_factory=DriftConfig)
    alerting: AlertingConfig = Field(
        default_factory=AlertingConfig, description="Incidents: docs/alerts.md."
    )
    event_times: EventTimeWindow = Field(
        default_factory=EventTimeWindow,
        description="Event times taken; others are dead-lettered `time_out_of_range`.",
    )
    backfill: str | None = Field(
        default=None,
        description="History a connector sends on its first run (default: `detector.warmup` "
        "intervals); docs/priming.md.",
    )
    alert_after: str | None = Field(
        default=None,
        description="Points that ended longer ago than this (by the worker's clock) train the "
        "model but send no anomaly: counted as primed. Default: every point may alert.",
    )

    @field_validator("dimensions")
    @classmethod
    def _unique_dimensions(cls, value: tuple[str, ...] | str) -> tuple[str, ...] | str:
        if not isinstance(value, str):
            _refuse_repeats(value, lambda name: name)
        return value

    @field_validator("measures")
    @classmethod
    def _check_measures(
        cls, value: tuple[MeasureSpec, ...] | str, info: ValidationInfo
    ) -> tuple[MeasureSpec, ...] | str:
        source = info.data.get("source")
        transactions = source is not None and source.format == "dex_transaction"
        if isinstance(value, str):
            if transactions:
                raise rule_error((), "'*' is for metric events: list the measures")
            return value
        if not value:
            raise rule_error((), "declare at least one measure (or '*' for all)")
        _refuse_repeats(value, lambda spec: spec.name)
        for index, spec in enumerate(value):
            _check_measure_input(index, spec, transactions)
        dataset = info.data.get("name")
        return tuple(
            spec.model_copy(
                update={
                    "rules": _checked_rules(
                        spec.rules,
                        (MEASURE_RULES, "rule"),
                        (index, "rules"),
                        f"{dataset}, measure {spec.name}",
                    )
                }
            )
            if spec.rules
            else spec
            for index, spec in enumerate(value)
        )

    @field_validator("detectors")
    @classmethod
    def _check_detectors(
        cls, value: tuple[RuleSpec, ...], info: ValidationInfo
    ) -> tuple[RuleSpec, ...]:
        return _checked_rules(value, (SERIES_DETECTORS, "detector"), (), str(info.data.get("name")))

    @field_validator("interval")
    @classmethod
    def _check_interval(cls, value: str, info: ValidationInfo) -> str:
        if value.strip().lower() == NO_INTERVAL:
            return NO_INTERVAL
        seconds = parse_duration(value)
        if not MIN_INTERVAL_SECONDS <= seconds <= MAX_INTERVAL_SECONDS:
            raise ValueError(f"{value!r} is outside 1m..1d")
        if MAX_INTERVAL_SECONDS % seconds:
            raise ValueError(f"{value!r} does not divide a day, so intervals would drift")
        if info.data.get("measures") == ALL:
            raise ValueError("measures '*' cannot be aggregated: use interval 'none'")
        return format_duration(seconds)

    @field_validator("allowed_lateness")
    @classmethod
    def _check_lateness(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if info.data.get("interval") == NO_INTERVAL:
            raise ValueError("only datasets with an interval wait for late events")
        seconds = parse_duration(value)
        if seconds > MAX_LATENESS_SECONDS:
            raise ValueError(f"{value!r} is more than 7d")
        return format_duration(seconds)

    @field_validator("idle_timeout")
    @classmethod
    def _check_idle_timeout(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        interval = info.data.get("interval")
        if interval is None:  # the interval's own error is reported
            return value
        if interval == NO_INTERVAL:
            raise ValueError("only datasets with an interval have series to go idle")
        seconds, step = parse_duration(value), parse_duration(interval)
        lateness = info.data.get("allowed_lateness")
        least = (step if lateness is None else parse_duration(lateness)) + step
        if seconds < least:
            raise ValueError(
                f"{value!r} is shorter than allowed_lateness plus one interval "
                f"({format_duration(least)}): a silent series would close before a live one"
            )
        if seconds > MAX_IDLE_SECONDS:
            raise ValueError(f"{value!r} is more than 30d")
        return format_duration(seconds)

    @field_validator("no_data")
    @classmethod
    def _check_no_data(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("interval") == NO_INTERVAL:
            raise ValueError("interval 'none' has no intervals to miss")
        return value

    @field_validator("detector")
    @classmethod
    def _check_ratios(cls, value: SeriesModelSettings, info: ValidationInfo) -> SeriesModelSettings:
        names = _declared_names(info)
        if names is not None:
            for index, pair in enumerate(value.ratios):
                for side, name in enumerate(pair):
                    if name not in names:
                        raise rule_error(("ratios", index, side), f"{name!r} is not a measure")
        return value

    @field_validator("high_impact_measures")
    @classmethod
    def _check_high_impact(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        names = _declared_names(info)
        detector = info.data.get("detector")
        if names is not None and detector is not None:
            known = names | {f"{a}/{b}" for a, b in detector.ratios}
            for index, name in enumerate(value):
                if name not in known:
                    raise rule_error((index,), f"{name!r} is not a measure (or a ratio a/b)")
        return value

    @field_validator("alerting")
    @classmethod
    def _check_alerting(cls, value: AlertingConfig, info: ValidationInfo) -> AlertingConfig:
        dimensions = info.data.get("dimensions")
        if isinstance(dimensions, tuple):
            if "relate_by" in value.model_fields_set:
                for index, name in enumerate(value.relate_by):
                    if name != TOKEN and name not in dimensions:
                        raise rule_error(("relate_by", index), f"{name!r} is not a dimension")
            explicit = {"relate_by", "token_dimension"} & value.model_fields_set
            if TOKEN in value.relate_by and explicit and value.token_dimension not in dimensions:
                raise rule_error(
                    ("token_dimension",), f"{value.token_dimension!r} is not a dimension"
                )
        interval = info.data.get("interval")
        if value.group_window is not None and interval not in (None, NO_INTERVAL):
            window, step = parse_duration(value.group_window), parse_duration(interval)
            if window % step:
                raise rule_error(
                    ("group_window",), f"{value.group_window!r} is not a multiple of {interval}"
                )
        return value

    @field_validator("backfill", "alert_after")
    @classmethod
    def _check_history_duration(cls, value: str | None) -> str | None:
        if value is None:
            return None
        seconds = parse_duration(value)
        if seconds > MAX_HISTORY_SECONDS:
            raise ValueError(f"{value!r} is more than 3650d")
        return format_duration(seconds)

    @property
    def interval_seconds(self) -> int | None:
        """Seconds per interval; None when every event is scored on its own."""
        return None if self.interval == NO_INTERVAL else parse_duration(self.interval)

    @property
    def lateness_seconds(self) -> int:
        if self.allowed_lateness is not None:
            return parse_duration(self.allowed_lateness)
        return self.interval_seconds or 0

    @property
    def idle_timeout_seconds(self) -> int:
        """How far the dataset's event time moves past a silent series before it is idle."""
        if self.idle_timeout is not None:
            return parse_duration(self.idle_timeout)
        return self.lateness_seconds + 2 * (self.interval_seconds or 0)

    @property
    def publishes_scores(self) -> bool:
        if self.publish_scores is not None:
            return self.publish_scores
        return self.interval != NO_INTERVAL

    @property
    def backfill_seconds(self) -> int | None:
        """History its source should send on a first run: `backfill`, else what the detector
        needs before any verdict (`warmup` intervals); None for interval `none` without one."""
        if self.backfill is not None:
            return parse_duration(self.backfill)
        interval = self.interval_seconds
        return None if interval is None else self.detector.warmup * interval

    @property
    def alert_after_seconds(self) -> int | None:
        return None if self.alert_after is None else parse_duration(self.alert_after)

    @property
    def drift_enabled(self) -> bool:
        return (
            self.drift.enabled if self.drift.enabled is not None else self.interval != NO_INTERVAL
        )

    @property
    def drift_rules(self) -> DriftRuleSettings:
        """The drift rules, with this dataset's high-impact measures when it names any."""
        rules = self.drift.rules
        if self.high_impact_measures:
            return rules.model_copy(update={"high_impact_measures": self.high_impact_measures})
        return rules

    @property
    def series_settings(self) -> SeriesModelSettings:
        """The detector settings with this dataset's `alert_threshold` applied."""
        if self.alert_threshold is None:
            return self.detector
        return self.detector.model_copy(update={"alert_threshold": self.alert_threshold})


def _declared_names(info: ValidationInfo) -> set[str] | None:
    measures = info.data.get("measures")
    if measures is None or isinstance(measures, str):
        return None
    return {spec.name for spec in measures}


def _checked_rules(
    rules: tuple[RuleSpec, ...],
    known: tuple[tuple[str, ...], str],
    at: tuple[str | int, ...],
    whose: str,
) -> tuple[RuleSpec, ...]:
    """The rules with their arguments checked; the first fault names `whose` (the dataset,
    and the measure) and is located at its rule's name or argument below `at`. `known`: the
    names allowed and what they are called."""
    checked = []
    for index, rule in enumerate(rules):
        spec, fault = check_rule(rule, *known)
        if fault is not None:
            where, why = fault
            raise rule_error((*at, index, rule.name, *where), f"dataset {whose}: {why}")
        checked.append(spec)
    return tuple(checked)


def _refuse_repeats(items: tuple[ItemT, ...], name_of: Callable[[ItemT], str]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        name = name_of(item)
        if name in seen:
            raise rule_error((index,), f"{name!r} is declared twice")
        seen.add(name)


def _check_measure_input(index: int, spec: MeasureSpec, transactions: bool) -> None:
    field = spec.input_field
    if not transactions:
        if spec.aggregation == "count_distinct":
            raise rule_error((index, "aggregation"), "count_distinct needs dex_transaction events")
        if spec.kinds is not None:
            raise rule_error((index, "kinds"), "kinds are for dex_transaction events")
        return
    text = spec.aggregation in ("count", "count_distinct")
    allowed = (() if spec.aggregation == "count_distinct" else TRANSACTION_NUMBER_FIELDS) + (
        TRANSACTION_TEXT_FIELDS if text else ()
    )
    if field is not None and field not in allowed:
        where, hint = ("field", "") if spec.field is not None else ("name", " (set `field`)")
        raise rule_error(
            (index, where),
            f"{field!r} is not a {spec.aggregation} input of transactions: "
            f"one of {list(allowed)}{hint}",
        )
