"""What the backtests print: the file run's summary, and the evaluation both backtests print
(precision, recall, F1 and NAB per profile)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dexwatch.detectors.backtest import Backtest
from dexwatch.detectors.backtest_evaluation import Evaluation, LabelSpec, RunRecord
from dexwatch.detectors.evaluation.nab_score import PROFILES
from dexwatch.tabular.delimiter import describe_delimiter

__all__ = ["FileRun", "print_evaluation", "print_file_run"]

_EXAMPLES_SHOWN = 5


@dataclass(frozen=True, slots=True)
class FileRun:
    """What the summary says of a file run besides the backtest's own counts."""

    input: Path
    output: Path
    config: str | None
    default_measures: bool
    sniffed_delimiter: bool


def print_file_run(
    run: FileRun, backtest: Backtest, record: RunRecord, seconds: float, written: int
) -> None:
    """The file backtest's summary: what was read and how, what was scored, what was written."""
    bad = backtest.bad_rows
    columns = backtest.columns
    rate = backtest.rows_read / seconds if seconds > 0 else 0.0
    found = "found from the first lines" if run.sniffed_delimiter else "--delimiter"
    print(f"backtest: {run.input}")
    if run.config is not None:
        print(f"config: {run.config}")
    print(f"delimiter: {describe_delimiter(backtest.delimiter or ',')} ({found})")
    print(f"times: {backtest.times.describe()} (column {columns.time_column!r})")
    by_default = " (by default: every other column)" if run.default_measures else ""
    print(f"measures: {', '.join(columns.measures)}{by_default}")
    print(f"order: {backtest.order.summary()}")
    print(
        f"rows: {backtest.rows_read:,} read, {backtest.rows_scored:,} scored, "
        f"{backtest.rows_warming_up:,} without a verdict (warming up), "
        f"{len(backtest.models):,} series, {seconds:.2f} s ({rate:,.0f} rows/s)"
    )
    print(f"bad rows: {bad.summary()}")
    for _, reason in bad.examples[:_EXAMPLES_SHOWN]:
        print(f"  {reason}")
    print(f"alerts: {sum(record.alerts):,} row(s) with is_anomaly = 1")
    print(f"wrote: {run.output} ({written:,} rows)")


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
