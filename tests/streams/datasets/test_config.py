"""The dataset model's rules across fields, each failure naming its field path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.datasets import DatasetConfig, load_datasets


def base(**changes: Any) -> dict[str, Any]:
    dataset: dict[str, Any] = {
        "name": "pools",
        "source": {"topic": "dexwatch.metrics"},
        "dimensions": ["chain", "pool"],
        "measures": [
            {"name": "tvl_usd", "aggregation": "last"},
            {"name": "volume_usd", "aggregation": "sum"},
        ],
        "interval": "1h",
    }
    dataset.update(changes)
    return dataset


def transactions(*measures: dict[str, Any]) -> dict[str, Any]:
    return base(
        source={"topic": "dexwatch.dex-transactions", "format": "dex_transaction"},
        measures=list(measures),
    )


def failure(tmp_path: Path, dataset: dict[str, Any]) -> str:
    path = tmp_path / "dataset.yaml"
    path.write_text(yaml.safe_dump({"datasets": [dataset]}), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_datasets(path)
    prefix = f"{path}: datasets[0]."
    return "\n".join(line.removeprefix(prefix) for line in str(caught.value).splitlines())


def test_defaults_and_derived_settings() -> None:
    dataset = DatasetConfig.model_validate(base(alert_threshold=0.7))
    assert dataset.interval == "1h"
    assert dataset.lateness_seconds == 3600  # one interval unless told
    assert dataset.max_series == 100_000
    assert not dataset.no_data
    assert dataset.series_settings.alert_threshold == 0.7
    assert dataset.detector.alert_threshold != 0.7
    assert DatasetConfig.model_validate(base(interval="60m")).interval == "1h"
    assert DatasetConfig.model_validate(base(interval="None")).interval_seconds is None


@pytest.mark.parametrize(
    ("dataset", "message"),
    [
        (base(high_impact_measures=["fees_usd"]), "high_impact_measures[0]: 'fees_usd' is not"),
        (
            base(detector={"ratios": [["volume_usd", "tvl"]]}),
            "detector.ratios[0][1]: 'tvl' is not a measure",
        ),
        (
            base(
                measures=[{"name": "v", "aggregation": "sum"}, {"name": "v", "aggregation": "max"}]
            ),
            "measures[1]: 'v' is declared twice",
        ),
        (base(interval="none", no_data=True), "no_data: interval 'none' has no intervals"),
        (base(interval="none", allowed_lateness="1m"), "allowed_lateness: only datasets with"),
        (base(allowed_lateness="8d"), "allowed_lateness: '8d' is more than 7d"),
        (base(allowed_lateness="soon"), "allowed_lateness: 'soon' is not a duration"),
        (base(measures="*"), "interval: measures '*' cannot be aggregated"),
        (base(measures=[]), "measures: declare at least one measure"),
        (base(max_series=0), "max_series: Input should be greater than or equal to 1"),
        (base(alert_threshold=1.5), "alert_threshold: Input should be less than 1"),
        (base(interval=60), "interval: Input should be a valid string"),
        (base(dimensions="pool"), "dimensions: Input should be a valid tuple"),
        (
            base(measures=[{"name": "n", "field": "x", "aggregation": "count_distinct"}]),
            "measures[0].aggregation: count_distinct needs dex_transaction events",
        ),
        (
            base(measures=[{"name": "n", "aggregation": "sum", "kinds": ["swap"]}]),
            "measures[0].kinds: kinds are for dex_transaction events",
        ),
        (
            base(source={"topic": "t", "filter": {"kinds": ["swap"]}}),
            "source.filter.kinds: kinds are for dex_transaction events",
        ),
        (
            transactions({"name": "largest", "aggregation": "max"}),
            "measures[0].name: 'largest' is not a max input of transactions",
        ),
        (
            transactions(
                {"name": "senders", "field": "amount_usd", "aggregation": "count_distinct"}
            ),
            "measures[0].field: 'amount_usd' is not a count_distinct input",
        ),
        (
            base(source={"topic": "t", "format": "dex_transaction"}, measures="*", interval="none"),
            "measures: '*' is for metric events",
        ),
    ],
)
def test_a_broken_rule_names_its_field(
    tmp_path: Path, dataset: dict[str, Any], message: str
) -> None:
    assert failure(tmp_path, dataset).startswith(message)


def test_every_problem_of_a_dataset_is_reported(tmp_path: Path) -> None:
    text = failure(tmp_path, base(interval="7m", max_series=-1, colour="red"))
    assert [line.split(": ")[0] for line in text.splitlines()] == [
        "interval",
        "max_series",
        "colour",
    ]


def test_transactions_may_count_distinct_senders_and_filter_by_kind() -> None:
    dataset = DatasetConfig.model_validate(
        transactions(
            {"name": "swaps", "aggregation": "count", "kinds": ["swap"]},
            {"name": "senders", "field": "sender", "aggregation": "count_distinct"},
            {"name": "added", "field": "amount_usd", "aggregation": "sum", "kinds": ["mint"]},
        )
    )
    assert not isinstance(dataset.measures, str)
    assert [spec.input_field for spec in dataset.measures] == [None, "sender", "amount_usd"]


def test_a_ratio_may_be_high_impact() -> None:
    dataset = DatasetConfig.model_validate(
        base(
            detector={"ratios": [["volume_usd", "tvl_usd"]]},
            high_impact_measures=["volume_usd/tvl_usd"],
        )
    )
    assert dataset.high_impact_measures == ("volume_usd/tvl_usd",)
