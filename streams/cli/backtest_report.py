"""The evaluation report both backtests print: precision, recall, F1 and NAB per profile."""

from __future__ import annotations

from detectors.backtest_evaluation import Evaluation, LabelSpec, RunRecord
from detectors.evaluation.nab_score import PROFILES

__all__ = ["print_evaluation"]


def print_evaluation(labels: LabelSpec, evaluation: Evaluation, record: RunRecord) -> None:
    source = (
        f"{evaluation.windows} NAB window(s) for {labels.name!r}"
        if labels.windows is not None
        else f"column {labels.column!r} ({evaluation.windows} run(s) of 1s as NAB windows)"
    )
    print(f"labels: {source}")
    if evaluation.bad_labels:
        print(f"  {evaluation.bad_labels} label(s) not 0/1, left out: {record.first_bad_label}")
    result = evaluation.classification
    print(
        f"precision {result.precision:.3f}  recall {result.recall:.3f}  F1 {result.f1:.3f}  "
        f"({evaluation.basis})"
    )
    print("NAB (threshold optimised over this file):")
    print(
        f"  {'profile':<20} {'normalised':>10} {'raw':>9} {'threshold':>10} "
        f"{'detected':>9} {'false pos.':>10}"
    )
    for name in PROFILES:
        nab = evaluation.nab[name]
        normalised = "n/a" if nab.normalised is None else f"{nab.normalised:.2f}"
        detected = sum(file.detected_windows for file in nab.per_file)
        false_positives = sum(file.false_positives for file in nab.per_file)
        print(
            f"  {name:<20} {normalised:>10} {nab.raw:>9.3f} {nab.threshold:>10.4f} "
            f"{f'{detected}/{nab.windows}':>9} {false_positives:>10}"
        )
