"""A dataset's `alerting:` section: defaults, normalised durations, errors naming the field,
and a config hash that alerting does not move."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dexwatch.streams.datasets import (
    AlertingConfig,
    DatasetConfig,
    alerting_hash,
    config_hash,
    incident_config_hash,
)
from tests.streams.datasets.test_config import base, failure


def with_alerting(**alerting: Any) -> dict[str, Any]:
    return base(dimensions=["chain", "dex", "pair", "pool"], alerting=alerting)


def test_defaults_fit_any_dataset() -> None:
    hourly = DatasetConfig.model_validate(base())  # no dex, no pair: the defaults skip them
    alerting = hourly.alerting
    assert (alerting.enabled, alerting.min_severity, alerting.relate_by) == (
        True,
        50,
        ("token", "dex", "chain"),
    )
    assert alerting.group_window_seconds(3600) == 3600
    assert alerting.resolve_after_seconds(3600) == 7200
    assert alerting.group_window_seconds(None) == 60
    assert alerting.resolve_after_seconds(None) == 900
    assert (alerting.group_wait_seconds, alerting.cooldown_seconds) == (2, 0)
    assert (alerting.confirm.n, alerting.confirm.m, alerting.feedback.step) == (1, 1, 60)


def test_durations_are_normalised() -> None:
    alerting = AlertingConfig(group_wait="1s", resolve_after="120m", cooldown="3600s")
    assert (alerting.resolve_after, alerting.cooldown) == ("2h", "1h")
    assert AlertingConfig(feedback={"half_life": "168h"}).feedback.half_life == "7d"


@pytest.mark.parametrize(
    ("alerting", "message"),
    [
        ({"relate_by": ["chain", "venue"]}, "alerting.relate_by[1]: 'venue' is not a dimension"),
        (
            {"relate_by": ["chain", "chain"]},
            "alerting.relate_by: a dimension is named twice",
        ),
        ({"token_dimension": "market"}, "alerting.token_dimension: 'market' is not a dimension"),
        ({"group_window": "7m"}, "alerting.group_window: '7m' is not a multiple of 1h"),
        ({"group_wait": "20m"}, "alerting.group_wait: '20m' is outside 0s..10m"),
        ({"cooldown": "soon"}, "alerting.cooldown: 'soon' is not a duration"),
        ({"min_severity": 101}, "alerting.min_severity: Input should be less than or equal to 100"),
        ({"confirm": {"n": 3, "m": 2}}, "alerting.confirm: n=3 is more than m=2"),
        ({"feedback": {"step": 0}}, "alerting.feedback.step: Input should be greater than or"),
        (
            {"maintenance": [{"start": "2026-01-01T00:00:00Z"}]},
            "alerting.maintenance[0]: a window is either {start, end}",
        ),
        (
            {"maintenance": [{"days": ["sun"], "at": "25:00", "duration": "1h"}]},
            "alerting.maintenance[0].at: String should match",
        ),
        ({"silence": True}, "alerting.silence: Extra inputs are not permitted"),
    ],
)
def test_each_error_names_its_field(tmp_path: Path, alerting: dict[str, Any], message: str) -> None:
    assert failure(tmp_path, with_alerting(**alerting)).startswith(message)


def test_alerting_does_not_change_the_anomalies_config_hash() -> None:
    plain = DatasetConfig.model_validate(with_alerting())
    tuned = DatasetConfig.model_validate(with_alerting(min_severity=80, cooldown="1h"))
    assert config_hash(plain) == config_hash(tuned)
    assert alerting_hash(plain) != alerting_hash(tuned)
    assert incident_config_hash(tuned) == f"{config_hash(tuned)}+{alerting_hash(tuned)}"
    assert config_hash(plain) != config_hash(
        DatasetConfig.model_validate({**with_alerting(), "interval": "5m"})
    )
