"""Rules and named detectors in a dataset's YAML: their shape, checks, errors and config hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.datasets import DatasetConfig, config_hash, load_datasets
from dexwatch.streams.datasets.rule_spec import Argument

DATASET = """\
name: pegged
source: {{topic: dexwatch.metrics}}
dimensions: [pool]
measures:
  - {{name: price, aggregation: last{price_rules}}}
  - {{name: volume, aggregation: sum, rules: [{{iqr: {{window: 100, k: 3}}}}]}}
interval: 5m
{detectors}"""


def load(tmp_path: Path, price_rules: str = "", detectors: str = "") -> DatasetConfig:
    path = tmp_path / "rules.yaml"
    path.write_text(DATASET.format(price_rules=price_rules, detectors=detectors))
    [dataset] = load_datasets(path)
    return dataset


def measure_rules(
    dataset: DatasetConfig, name: str
) -> list[tuple[str, dict[str, Argument], float]]:
    assert not isinstance(dataset.measures, str)
    [spec] = [spec for spec in dataset.measures if spec.name == name]
    return [(rule.name, rule.arguments, rule.alert_above) for rule in spec.rules]


def test_rules_per_measure_and_series_detectors_are_read_typed(tmp_path: Path) -> None:
    dataset = load(
        tmp_path,
        ", rules: [{threshold: {lower: 0.99, upper: 1.01, alert_above: 0.1}}]",
        "detectors: [{half_space_trees: {n_trees: 10, height: 8, window_size: 250}}]\n",
    )
    assert measure_rules(dataset, "price") == [("threshold", {"lower": 0.99, "upper": 1.01}, 0.1)]
    # Arguments take their constructor's types (k is a float), alert_above its default.
    assert measure_rules(dataset, "volume") == [("iqr", {"window": 100, "k": 3.0}, 0.0)]
    assert isinstance(measure_rules(dataset, "volume")[0][1]["k"], float)
    [trees] = dataset.detectors
    # A window of 250 needs a warm-up of as much: it is filled in.
    assert trees.arguments == {"n_trees": 10, "height": 8, "window_size": 250, "warmup": 250}
    assert trees.alert_above == 0.97


@pytest.mark.parametrize(
    ("price_rules", "detectors", "where", "message"),
    [
        (
            ", rules: [{thresold: {lower: 1}}]",
            "",
            "measures[0].rules[0].thresold",
            "dataset pegged, measure price: unknown rule 'thresold'; "
            "known rules: iqr, persistence, quantile_band, threshold",
        ),
        (
            ", rules: [{threshold: {lower: cheap}}]",
            "",
            "measures[0].rules[0].threshold.lower",
            "dataset pegged, measure price: Input should be a valid number",
        ),
        (
            ", rules: [{threshold: {lower: 2, upper: 1}}]",
            "",
            "measures[0].rules[0].threshold",
            "dataset pegged, measure price: lower (2.0) must be below upper (1.0)",
        ),
        (
            ", rules: [{iqr: {windw: 10}}]",
            "",
            "measures[0].rules[0].iqr.windw",
            "no argument 'windw'; the arguments of iqr: window, k, min_points, alert_above",
        ),
        (
            "",
            "detectors: [{iqr: {}}]\n",
            "detectors[0].iqr",
            "dataset pegged: unknown detector 'iqr'; known detectors: half_space_trees",
        ),
        (
            ", rules: [{threshold: {lower: 1, alert_above: 1.5}}]",
            "",
            "measures[0].rules[0].alert_above",
            "less than 1",
        ),
    ],
)
def test_a_bad_rule_fails_at_start_up_naming_dataset_measure_and_field(
    tmp_path: Path, price_rules: str, detectors: str, where: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, price_rules, detectors)
    text = str(raised.value)
    assert f"rules.yaml: {where}: " in text
    assert message in text


def test_rules_are_in_the_config_hash_and_none_leaves_it_as_it_was(tmp_path: Path) -> None:
    plain = load(tmp_path)
    bounded = load(tmp_path, ", rules: [{threshold: {lower: 0.99}}]")
    tighter = load(tmp_path, ", rules: [{threshold: {lower: 0.995}}]")
    assert len({config_hash(plain), config_hash(bounded), config_hash(tighter)}) == 3
    # A dataset naming no rules hashes as the same dataset did before rules existed.
    assert not isinstance(plain.measures, str)
    ruleless = plain.model_copy(
        update={"measures": tuple(m.model_copy(update={"rules": ()}) for m in plain.measures)}
    )
    # (settings that came later and are left out of the hash too)
    left_out = {
        "alerting",
        "event_times",
        "detectors",
        "backfill",
        "alert_after",
        "idle_timeout",
        "publish_scores",
    }
    before = ruleless.model_dump(mode="json", exclude=left_out)
    for measure in before["measures"]:
        del measure["rules"]
    canonical = orjson.dumps(before, option=orjson.OPT_SORT_KEYS)
    assert config_hash(ruleless) == hashlib.sha256(canonical).hexdigest()[:16]
