"""The rules and named detectors one series runs beside its model, and what each found.

Each is scored on a point and then learns it, as the model does (no look-ahead). A rule
fires when its score is above its `alert_above`; what fired comes back as `RuleFinding`s whose
moves place each measure against the rule's own band, for the combined verdict
(`verdict_combining.py`). State lives in memory only: snapshots hold the model alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from dexwatch.detectors.base import Features, Score
from dexwatch.detectors.half_space_trees import HalfSpaceTreesDetector
from dexwatch.detectors.verdict import MeasureMove
from dexwatch.streams.datasets.rule_spec import RuleSpec

__all__ = ["RuleFinding", "SeriesRules"]


@runtime_checkable
class _MeasureRule(Protocol):
    """A rule of one measure that says which band it judges the next value against."""

    def band(self) -> tuple[float, float]: ...

    def score_one(self, x: Features) -> Score: ...

    def learn_one(self, x: Features) -> None: ...


@dataclass(frozen=True, slots=True)
class RuleFinding:
    """A rule that fired on a point: its name, score in [0, 1] and the measures it judged."""

    rule: str
    score: float
    moves: tuple[MeasureMove, ...]


class SeriesRules:
    """One series' instances of its dataset's measure rules and series detectors."""

    def __init__(
        self, measure_rules: Mapping[str, Sequence[RuleSpec]], detectors: Sequence[RuleSpec]
    ) -> None:
        self._rules: list[tuple[str, RuleSpec, _MeasureRule]] = []
        for measure, specs in measure_rules.items():
            for spec in specs:
                rule = spec.build(measure)
                if not isinstance(rule, _MeasureRule):
                    raise TypeError(f"{spec.name} is not a rule of one measure")
                self._rules.append((measure, spec, rule))
        self._detectors: list[tuple[RuleSpec, HalfSpaceTreesDetector]] = []
        for spec in detectors:
            detector = spec.build(None)
            if not isinstance(detector, HalfSpaceTreesDetector):
                raise TypeError(f"{spec.name} is not a detector of a whole series")
            self._detectors.append((spec, detector))

    def judge(self, values: Mapping[str, float]) -> list[RuleFinding]:
        """Score then learn `values` (the series' measures); the findings of rules that fired.
        A rule of a measure the series lacks sits out."""
        findings = []
        for measure, spec, rule in self._rules:
            if measure not in values:
                continue
            x = {measure: values[measure]}
            low, high = rule.band()
            score = rule.score_one(x).value
            rule.learn_one(x)
            if score > spec.alert_above:
                move = _move(measure, values[measure], low, high, score, spec.name)
                findings.append(RuleFinding(spec.name, score, (move,)))
        for spec, detector in self._detectors:
            score = detector.score_one(values).value
            detector.learn_one(values)
            if score > spec.alert_above:
                box = detector.box
                moves = tuple(
                    _move(name, values[name], *box.get(name, (value, value)), score, spec.name)
                    for name, value in values.items()
                )
                findings.append(RuleFinding(spec.name, score, moves))
        return findings


def _move(
    measure: str, value: float, low: float, high: float, score: float, rule: str
) -> MeasureMove:
    # The deviation of a rule is its score, signed as the value lies: below the band negative.
    sign = -1.0 if value < low else 1.0
    return MeasureMove(measure, value, low, high, math.copysign(score, sign), rule, by_rule=True)
