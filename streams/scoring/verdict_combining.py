"""The model's verdict and the dataset's rules' findings on one point, made one verdict.

The rule (docs/datasets.md, "Rules and named detectors"): a point is an anomaly when the
model says so or any rule fires; its score is the largest of the model's and the fired rules'
scores, and its severity the largest of the model's and theirs (a rule's severity is its
score times 100, rounded, as the model's is). Its moves are those of each source that alerted,
the highest-scoring source first, so the explanation names the rule that fired. With no rule
fired the model's verdict stands unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

from dexwatch.detectors.verdict import MeasureMove, Verdict
from dexwatch.streams.scoring.series_rules import RuleFinding

__all__ = ["combine_verdicts", "rule_severity"]


def rule_severity(score: float) -> int:
    """A rule's score in [0, 1] as a severity 0..100, on the model's scale."""
    return min(100, max(0, round(100 * score)))


def combine_verdicts(model: Verdict, fired: Sequence[RuleFinding]) -> Verdict:
    """One verdict from the model's and the rules that fired (see the module's docstring)."""
    if not fired:
        return model
    sources: list[tuple[float, tuple[MeasureMove, ...]]] = [
        (finding.score, finding.moves) for finding in fired
    ]
    if model.is_anomaly:
        sources.append((model.score, model.moves))
    sources.sort(key=lambda source: -source[0])  # stable: on a tie, rules in declared order
    return Verdict(
        score=max(model.score, *(finding.score for finding in fired)),
        severity=max(model.severity, *(rule_severity(finding.score) for finding in fired)),
        is_anomaly=True,
        warming_up=False,  # a rule that fires has a verdict, however young the model
        moves=tuple(move for _, moves in sources for move in moves),
        after_gap=model.after_gap,
    )
