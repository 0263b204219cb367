"""Sink configurations for the broker tests: fresh topics, group, data dir; quick retries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from dexwatch.sinks.config import SinksConfig
from dexwatch.sinks.delivery_policy import DeliveryPolicy
from tests.support.kafka_helpers import create_topic

__all__ = ["QUICK_RETRIES", "fresh_config", "fresh_settings", "write_config"]

# Waits of at most half a second: the scenarios' faults pass quickly and the tests stay fast.
QUICK_RETRIES = DeliveryPolicy(
    base_delay_s=0.05, max_delay_s=0.5, max_attempts=20, request_timeout_s=5.0
)


def fresh_settings(
    bootstrap: str,
    unique_name: Callable[[str], str],
    data_dir: Path,
    *,
    partitions: int = 3,
    **values: Any,
) -> dict[str, Any]:
    """Settings on new alerts and dead-letter topics, with their own group prefix."""
    return {
        "bootstrap_servers": bootstrap,
        "alerts_topic": create_topic(bootstrap, unique_name("alerts"), partitions),
        "dead_letter_topic": create_topic(bootstrap, unique_name("sink-dead"), 1),
        "incident_controls_topic": create_topic(bootstrap, unique_name("controls"), 2),
        "group_prefix": unique_name("sink") + "-",
        "data_dir": str(data_dir),
        "metrics_port": 0,
        "session_timeout_s": 6.0,
        "delivery": QUICK_RETRIES.model_dump(),
        **values,
    }


def fresh_config(
    bootstrap: str, unique_name: Callable[[str], str], data_dir: Path, **values: Any
) -> SinksConfig:
    """`fresh_settings` as a configuration, for sinks run in this process."""
    return SinksConfig.model_validate(fresh_settings(bootstrap, unique_name, data_dir, **values))


def write_config(path: Path, settings: dict[str, Any]) -> Path:
    """The settings as a YAML file, for `dexwatch sink --config`."""
    path.write_text(yaml.safe_dump(settings))
    return path
