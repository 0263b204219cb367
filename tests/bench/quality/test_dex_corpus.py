"""The DeFi report from made-up runs: labels applied by key, halves and unlabelled files apart."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.quality.dex_corpus import DexCorpus
from bench.quality.runs import FileRun

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def made_up_run(folder: Path, name: str, hours: int, alerts: list[int]) -> FileRun:
    times: list[datetime | None] = [T0 + timedelta(hours=hour) for hour in range(hours)]
    return FileRun(folder / name, [0.0] * hours, times, alerts, 3, 0, 0.0)


def cells(line: str) -> list[str]:
    return line.split()


def test_report_per_file_and_totals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "dex"
    folder.mkdir()
    windows = {
        "dex/a.csv": [["2024-01-01 10:00:00", "2024-01-01 20:00:00"]],
        "dex/b.csv": [],
        "dex/gone.csv": [],
    }
    (folder / "windows.json").write_text(json.dumps(windows), encoding="utf-8")
    runs = [
        made_up_run(folder, "a.csv", 721, [12, 100, 103, 200]),
        made_up_run(folder, "b.csv", 361, [5]),
        made_up_run(folder, "c.csv", 721, [1, 2, 300]),
    ]
    DexCorpus(folder).report(runs, per_file=True)
    out = capsys.readouterr().out
    lines = {cells(line)[0]: cells(line) for line in out.splitlines() if line.strip()}
    # a.csv: half A, 721 rows, 3 warming up, 30 days, 1 episode caught 2 h in, 2 false alarms
    assert lines["dex/a.csv"] == ["dex/a.csv", "A", "721", "3", "30.0", "1", "1", "2.0", "2", "2.0"]
    assert lines["dex/b.csv"][-2:] == ["1", "2.0"]
    assert lines["dex/c.csv"] == ["dex/c.csv", "A", "721", "3", "30.0", "2", "2.0"]
    assert lines["all"] == cells("all 3 1,803 9 1 1 2.0 2.0 3 2.0 2 2.0")
    halves = [cells(line) for line in out.splitlines() if line.strip().startswith("half")]
    assert halves == [
        cells("half A (tune) 2 1,442 6 1 1 2.0 2.0 2 2.0 2 2.0"),
        cells("half B (report) 1 361 3 0 0 - - 1 2.0 - -"),
    ]
    assert "dex/gone.csv" in out
