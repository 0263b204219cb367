"""The NAB corpus (`nab/`, `nab/windows.json`): normalised scores for the three profiles.

Scored as `../shared/docs/nab-scoring.md` says, by `detectors.evaluation.nab_score`: one
threshold per profile, the best over the files scored together. A half is scored as a corpus
of its own (its own best threshold); "half B at half A's thresholds" is the held-out figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.quality.data import WINDOWS, labelled_corpus
from bench.quality.halves import half_letters, split_halves
from bench.quality.runs import FileRun
from dexwatch.detectors.evaluation.labels import WindowLocator, read_nab_windows
from dexwatch.detectors.evaluation.nab_score import (
    PROFILES,
    NabFile,
    NabResult,
    score_at_threshold,
    score_corpus,
)
from dexwatch.schemas.errors import DexwatchError

__all__ = ["NabCorpus", "nab_files"]

_LABEL = 36
_CELL = 20


def nab_files(labels: Path, runs: Sequence[FileRun]) -> list[NabFile]:
    """Each run's scores with its windows placed on its rows (every file must be labelled)."""
    windows = read_nab_windows(labels)
    files = []
    for run in runs:
        if run.key not in windows:
            raise DexwatchError(f"{labels} has no entry {run.key!r}")
        locator = WindowLocator(windows[run.key])
        for row, at in enumerate(run.times):
            locator.see(row, at)
        files.append(NabFile(run.key, run.scores, locator.rows()))
    return files


def _cell(value: float | None, raw: float) -> str:
    return f"(raw {raw:.3f})" if value is None else f"{value:.1f}"


def _line(label: str, cells: Sequence[str]) -> None:
    print(f"{label:<{_LABEL}}" + "".join(f"{cell:>{_CELL}}" for cell in cells))


def _scores(label: str, results: dict[str, NabResult]) -> None:
    _line(label, [_cell(result.normalised, result.raw) for result in results.values()])
    _line("  threshold", [f"{result.threshold:.4f}" for result in results.values()])


def _verdicts(runs: Sequence[FileRun]) -> str:
    return f"{sum(run.warming_up for run in runs):,} of {sum(run.rows for run in runs):,}"


@dataclass(frozen=True, slots=True)
class NabCorpus:
    folder: Path
    name: str = "nab"
    per_file_default: bool = False

    def paths(self) -> list[Path]:
        return labelled_corpus(self.folder, "*/*.csv", "NAB corpus")

    def report(self, runs: Sequence[FileRun], per_file: bool) -> None:
        files = nab_files(self.folder / WINDOWS, runs)
        results = {name: score_corpus(files, profile) for name, profile in PROFILES.items()}
        print(f"NAB normalised scores ({len(files)} files, {results['standard'].windows} windows)")
        _line("", list(PROFILES))
        for category in sorted({file.category for file in files}):
            cells = [result.per_category()[category] for result in results.values()]
            _line(category, [_cell(cell.normalised, cell.raw) for cell in cells])
        _scores("total", results)
        _line("  raw score", [f"{result.raw:.3f}" for result in results.values()])
        halves = split_halves(files, key=lambda file: file.name)
        by_half = [
            {name: score_corpus(half, profile) for name, profile in PROFILES.items()}
            for half in (halves.tune, halves.report)
        ]
        for (label, half), scored in zip(halves.named(), by_half, strict=True):
            windows = sum(len(file.windows) for file in half)
            _scores(f"{label}, {len(half)} files, {windows} windows", scored)
        held_out = [
            score_at_threshold(halves.report, profile, by_half[0][name].threshold)
            for name, profile in PROFILES.items()
        ]
        _line(
            "half B at half A's thresholds",
            [_cell(result.normalised, result.raw) for result in held_out],
        )
        print(
            "(a category is the corpus result split at the corpus threshold; one without windows "
            "has no normalised score: its raw score is shown)"
        )
        print(
            f"rows without a verdict (warming up): {_verdicts(runs)}; "
            + "; ".join(
                f"{label} {_verdicts(part)}"
                for label, part in split_halves(runs, key=lambda run: run.key).named()
            )
        )
        if per_file:
            _print_per_file(results["standard"], runs)
        bad = sum(run.bad_rows for run in runs)
        if bad:
            print(f"({bad} bad rows were skipped and scored 0)")


def _print_per_file(standard: NabResult, runs: Sequence[FileRun]) -> None:
    print(f"\nPer file, standard profile, threshold {standard.threshold:.4f}:")
    half = half_letters(run.key for run in runs)
    print(
        f"  {'file':<58}{'half':>5}{'rows':>7}{'no verdict':>11}{'windows':>9}{'detected':>10}"
        f"{'false pos.':>11}{'raw':>9}"
    )
    by_key = {run.key: run for run in runs}
    for file in standard.per_file:
        run = by_key[file.name]
        print(
            f"  {file.name:<58}{half[file.name]:>5}{run.rows:>7}{run.warming_up:>11}"
            f"{file.windows:>9}{file.detected_windows:>10}{file.false_positives:>11}{file.raw:>9.3f}"
        )
