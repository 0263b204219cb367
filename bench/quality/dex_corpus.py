"""The DeFi corpus (`dex/`, `dex/windows.json`): episodes caught, delays, false alarms.

An alert is a row whose verdict `is_anomaly`: the model's own `alert_threshold`, with no
threshold optimised on the labels, because that is what would page someone in production.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.quality.data import WINDOWS, labelled_corpus
from bench.quality.dex_tally import DexFile, DexTotals
from bench.quality.episodes import EPISODE_GAP
from bench.quality.halves import half_letters, split_halves
from bench.quality.runs import FileRun
from dexwatch.detectors.evaluation.labels import read_nab_windows

__all__ = ["DexCorpus"]

_DAY = timedelta(days=1)


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _hours(file: DexFile) -> str:
    """Each episode's delay in window order, `-` for a missed one: `0.5, -, 40.1`."""
    return ", ".join(_number(episode.hours) for episode in file.episodes) or "-"


@dataclass(frozen=True, slots=True)
class DexCorpus:
    folder: Path
    name: str = "dex"
    per_file_default: bool = True

    def paths(self) -> list[Path]:
        return labelled_corpus(self.folder, "*.csv", "DeFi corpus")

    def report(self, runs: Sequence[FileRun], per_file: bool) -> None:
        windows = read_nab_windows(self.folder / WINDOWS)
        files = [
            DexFile.judge(
                run.key,
                rows=run.rows,
                no_verdict=run.warming_up,
                span=run.span(),
                alerts=run.alert_times(),
                windows=windows.get(run.key),
            )
            for run in runs
        ]
        gap = EPISODE_GAP / timedelta(hours=1)
        print(
            f"DeFi corpus ({len(files)} files): alert = verdict is_anomaly; alerts less than "
            f"{gap:g} h apart are one episode; false alarms are alert episodes outside every window"
        )
        if per_file:
            _print_per_file(files)
        _print_totals(files)
        orphans = sorted(set(windows) - {run.key for run in runs})
        if orphans:
            listed = ", ".join(orphans)
            print(f"({self.folder / WINDOWS} lists files that are not in the folder: {listed})")
        bad = sum(run.bad_rows for run in runs)
        if bad:
            print(f"({bad} bad rows were skipped: no verdict, no alert)")


def _print_per_file(files: Sequence[DexFile]) -> None:
    half = half_letters(file.key for file in files)
    head = f"  {'file':<44}{'half':>5}{'rows':>9}{'no verdict':>11}{'days':>7}"
    print(
        f"\n{head}{'episodes':>9}{'caught':>7}  {'hours to 1st alert':<20}"
        f"{'false alarms':>13}{'per 30 d':>9}"
    )
    for file in (file for file in files if file.labelled):
        print(
            f"  {file.key:<44}{half[file.key]:>5}{file.rows:>9,}{file.no_verdict:>11,}"
            f"{file.span / _DAY:>7.1f}{len(file.episodes):>9}{file.caught:>7}  "
            f"{_hours(file):<20}{file.alarm_episodes:>13}{_number(file.alarms_per_30_days):>9}"
        )
    unlabelled = [file for file in files if not file.labelled]
    if unlabelled:
        print(f"\n{head}{'alert episodes (unlabelled)':>29}{'per 30 d':>9}")
        for file in unlabelled:
            print(
                f"  {file.key:<44}{half[file.key]:>5}{file.rows:>9,}{file.no_verdict:>11,}"
                f"{file.span / _DAY:>7.1f}{file.alarm_episodes:>29}"
                f"{_number(file.alarms_per_30_days):>9}"
            )


def _print_totals(files: Sequence[DexFile]) -> None:
    halves = split_halves(files, key=lambda file: file.key)
    print(
        f"\n  {'':<17}{'files':>6}{'rows':>9}{'no verdict':>11}{'episodes':>9}{'caught':>7}"
        f"{'hours med.':>11}{'mean':>6}{'false alarms':>13}{'per 30 d':>9}"
        f"{'unlabelled ep.':>15}{'per 30 d':>9}"
    )
    for label, part in [("all", list(files)), *halves.named()]:
        total = DexTotals.of(part)
        unlabelled = (
            (str(total.unlabelled_episodes), _number(total.unlabelled_per_30_days))
            if total.unlabelled_files
            else ("-", "-")
        )
        print(
            f"  {label:<17}{total.files:>6}{total.rows:>9,}{total.no_verdict:>11,}"
            f"{total.episodes:>9}{total.caught:>7}{_number(total.median_hours):>11}"
            f"{_number(total.mean_hours):>6}{total.false_alarms:>13}"
            f"{_number(total.false_alarms_per_30_days):>9}{unlabelled[0]:>15}{unlabelled[1]:>9}"
        )
