"""Loading datasets from YAML: the shipped examples, file shapes, and errors that name fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.datasets import config_hash, load_datasets

SHIPPED = Path(__file__).resolve().parents[3] / "deploy" / "datasets"

MINIMAL = """\
name: {name}
source: {{topic: dexwatch.metrics}}
dimensions: [pool]
measures: [{{name: volume_usd, aggregation: sum}}]
interval: 5m
"""


def write(tmp_path: Path, text: str, name: str = "sets.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_example_loads() -> None:
    datasets = load_datasets(SHIPPED)
    names = {dataset.name for dataset in datasets}
    assert names == {
        "uniswap-v3-pools-hourly",
        "swaps-per-pool-per-minute",
        "stablecoin-pegs",
        "generic",
    }
    for file in SHIPPED.glob("*.yaml"):
        assert load_datasets(file)


def test_shipped_hourly_pools_dataset_says_what_the_issue_asks() -> None:
    (dataset,) = load_datasets(SHIPPED / "uniswap-v3-pools-hourly.yaml")
    assert dataset.interval_seconds == 3600
    assert not isinstance(dataset.measures, str)
    assert {spec.name: spec.aggregation for spec in dataset.measures} == {
        "price": "last",
        "tvl_usd": "last",
        "volume_usd": "sum",
        "fees_usd": "sum",
        "tx_count": "sum",
    }
    assert dataset.detector.ratios == (("volume_usd", "tvl_usd"),)
    assert dataset.high_impact_measures == ("tvl_usd",)
    assert (dataset.backfill, dataset.alert_after) == ("14d", "6h")


def test_a_file_may_hold_a_list_a_datasets_mapping_or_one_dataset(tmp_path: Path) -> None:
    one = MINIMAL.format(name="a")
    listed = "- " + one.replace("\n", "\n  ").rstrip() + "\n"
    assert [d.name for d in load_datasets(write(tmp_path, one, "one.yaml"))] == ["a"]
    assert [d.name for d in load_datasets(write(tmp_path, listed, "list.yml"))] == ["a"]
    mapped = "datasets:\n  " + listed.replace("\n", "\n  ").rstrip() + "\n"
    assert [d.name for d in load_datasets(write(tmp_path, mapped, "mapped.yaml"))] == ["a"]


def test_a_directory_gives_every_dataset_and_refuses_a_name_twice(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL.format(name="a"), "1.yaml")
    write(tmp_path, MINIMAL.format(name="b"), "2.yaml")
    write(tmp_path, "not yaml at all: [", "notes.txt")
    assert [d.name for d in load_datasets(tmp_path)] == ["a", "b"]
    write(tmp_path, MINIMAL.format(name="a"), "3.yaml")
    with pytest.raises(
        ConfigError, match=r"3\.yaml: dataset name 'a' is already used in .*1\.yaml"
    ):
        load_datasets(tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("sum}", "total}", r"measures\[0\]\.aggregation: Input should be 'sum'"),
        ("5m", "7m", r"interval: '7m' does not divide a day"),
        ("5m", "30s", r"interval: '30s' is outside 1m\.\.1d"),
        ("5m", "2d", r"interval: '2d' is outside 1m\.\.1d"),
        ("name: b", "name: Bad Name", r"name: String should match pattern"),
        ("[pool]", "[pool, pool]", r"dimensions\[1\]: 'pool' is declared twice"),
        ("metrics}", "metrics, colour: red}", r"source\.colour: Extra inputs"),
    ],
)
def test_a_bad_field_fails_naming_file_and_field_path(
    tmp_path: Path, old: str, new: str, where: str
) -> None:
    second = MINIMAL.format(name="b").replace(old, new)
    text = "datasets:\n" + "".join(
        "  - " + body.replace("\n", "\n    ").rstrip() + "\n"
        for body in (MINIMAL.format(name="a"), second)
    )
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=f"^{path}: datasets\\[1\\]\\.{where}"):
        load_datasets(path)


def test_yaml_errors_and_shapes_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_datasets(write(tmp_path, "name: [unclosed", "broken.yaml"))
    with pytest.raises(ConfigError, match="found the key 'interval' twice"):
        load_datasets(write(tmp_path, MINIMAL.format(name="a") + "interval: 1h\n", "twice.yaml"))
    with pytest.raises(ConfigError, match="expected a list of datasets"):
        load_datasets(write(tmp_path, "just text", "text.yaml"))
    with pytest.raises(ConfigError, match=r"datasets\[0\]: a dataset must be a mapping"):
        load_datasets(write(tmp_path, "datasets: [3]", "number.yaml"))
    with pytest.raises(ConfigError, match="no such dataset file"):
        load_datasets(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="no datasets declared"):
        load_datasets(write(tmp_path, "datasets: []", "empty.yaml"))


def test_config_hash_is_stable_and_follows_meaning(tmp_path: Path) -> None:
    (first,) = load_datasets(write(tmp_path, MINIMAL.format(name="a"), "a.yaml"))
    spelled = MINIMAL.format(name="a").replace("interval: 5m", "interval: 300s")
    (same,) = load_datasets(write(tmp_path, spelled, "b.yaml"))
    changed = MINIMAL.format(name="a").replace("sum", "max")
    (other,) = load_datasets(write(tmp_path, changed, "c.yaml"))
    assert config_hash(first) == config_hash(same)
    assert len(config_hash(first)) == 16
    assert config_hash(first) != config_hash(other)
