"""The model's verdict and the rules' findings made one: anomaly if any, max score and severity."""

from __future__ import annotations

import math

from dexwatch.detectors.verdict import MeasureMove, Verdict
from dexwatch.streams.datasets.rule_spec import RuleSpec
from dexwatch.streams.scoring.series_rules import RuleFinding, SeriesRules
from dexwatch.streams.scoring.verdict_combining import combine_verdicts, rule_severity

QUIET = Verdict(0.3, 30, False, False, ())
MODEL_MOVE = MeasureMove("volume", 900.0, 10.0, 90.0, 7.5, "level")
LOUD = Verdict(0.8, 80, True, False, (MODEL_MOVE,))
PRICE_MOVE = MeasureMove("price", 0.985, 0.99, 1.01, -0.2, "threshold", by_rule=True)
THRESHOLD = RuleFinding("threshold", 0.2, (PRICE_MOVE,))


def test_no_rule_fired_leaves_the_model_verdict_as_it_is() -> None:
    assert combine_verdicts(QUIET, []) is QUIET
    assert combine_verdicts(LOUD, []) is LOUD


def test_a_rule_alone_makes_an_anomaly_named_after_it() -> None:
    combined = combine_verdicts(QUIET, [THRESHOLD])
    assert combined.is_anomaly
    assert not combined.warming_up
    # The max of the model's and the rule's: the model's quiet 0.3 (30) outweighs 0.2 (20).
    assert (combined.score, combined.severity) == (0.3, 30)
    assert combined.moves == (PRICE_MOVE,)  # the model did not alert: its moves are not shown
    assert combined.explain() == "price 0.985 below 0.99..1.01 (threshold)"


def test_a_rule_fires_while_the_model_warms_up() -> None:
    warming = Verdict(0.0, 0, False, True, ())
    combined = combine_verdicts(warming, [THRESHOLD])
    assert (combined.is_anomaly, combined.warming_up, combined.severity) == (True, False, 20)


def test_both_alerting_take_the_largest_and_list_the_stronger_first() -> None:
    iqr = RuleFinding("iqr", 0.95, (MeasureMove("volume", 900.0, 20.0, 80.0, 0.95, "iqr", True),))
    combined = combine_verdicts(LOUD, [THRESHOLD, iqr])
    assert (combined.score, combined.severity) == (0.95, 95)
    assert [move.view for move in combined.moves] == ["iqr", "level", "threshold"]
    assert combined.explain().endswith("(threshold)")
    assert rule_severity(0.994) == 99
    assert rule_severity(1.0) == 100


def test_series_rules_score_before_learning_and_report_their_band() -> None:
    rules = SeriesRules(
        {"price": [RuleSpec.model_validate({"threshold": {"lower": 0.99, "upper": 1.01}})]},
        [],
    )
    assert rules.judge({"price": 1.0, "volume": 5.0}) == []
    [finding] = rules.judge({"price": 1.02, "volume": 5.0})
    [move] = finding.moves
    assert (finding.rule, move.measure, move.direction) == ("threshold", "price", "above")
    assert (move.expected_low, move.expected_high) == (0.99, 1.01)
    assert math.isclose(finding.score, 0.01 / 0.03)
    assert move.deviation == finding.score  # above: positive


def test_an_iqr_rule_warms_up_then_fires_beside_a_one_sided_threshold() -> None:
    rules = SeriesRules(
        {
            "volume": [RuleSpec.model_validate({"iqr": {"window": 50, "k": 3.0}})],
            "price": [RuleSpec.model_validate({"threshold": {"upper": 1.01}})],
        },
        [],
    )
    for step in range(40):
        assert rules.judge({"volume": 50.0 + step % 5, "price": 1.0}) == []
    found = {finding.rule: finding for finding in rules.judge({"volume": 500.0, "price": 1.2})}
    assert set(found) == {"iqr", "threshold"}
    [price] = found["threshold"].moves
    assert (price.expected_low, price.expected_high) == (-math.inf, 1.01)
    assert price.explain() == "price 1.2 above -inf..1.01 (threshold)"
