"""`python -m bench.quality.nab_rest` on a small NAB-shaped checkout made here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.quality.nab_rest import extract, main

_START = "2014-01-01 00:00:00"


def _series(path: Path, rows: int, column: str = "value") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["timestamp," + column]
    for minute in range(rows):
        lines.append(f"2014-01-01 {minute // 60:02d}:{minute % 60:02d}:00,{minute % 7}")
    path.write_text("\n".join(lines) + "\n")


def _checkout(root: Path) -> Path:
    nab = root / "NAB"
    for name in ("seen", "unseen"):
        _series(nab / "data" / "realThings" / f"{name}.csv", 200)
    window = ["2014-01-01 01:00:00.000000", "2014-01-01 01:30:00.000000"]
    labels = {"realThings/seen.csv": [window], "realThings/unseen.csv": [window]}
    (nab / "labels").mkdir()
    (nab / "labels" / "combined_windows.json").write_text(json.dumps(labels))
    result = nab / "results" / "someDetector" / "realThings" / "someDetector_unseen.csv"
    result.parent.mkdir(parents=True)
    scores = ["timestamp,value,anomaly_score,label"]
    for minute in range(200):
        hit = 1.0 if minute == 65 else 0.0
        scores.append(f"2014-01-01 {minute // 60:02d}:{minute % 60:02d}:00,0,{hit},0")
    result.write_text("\n".join(scores) + "\n")
    return nab


def test_extract_copies_only_the_files_the_shared_corpus_lacks(tmp_path: Path) -> None:
    nab = _checkout(tmp_path)
    shared = tmp_path / "shared" / "nab"
    _series(shared / "realThings" / "seen.csv", 200)
    keys = extract(nab, shared, tmp_path / "out" / "nab")
    assert keys == ["realThings/unseen.csv"]
    assert (tmp_path / "out" / "nab" / "realThings" / "unseen.csv").is_file()
    assert not (tmp_path / "out" / "nab" / "realThings" / "seen.csv").exists()
    windows = json.loads((tmp_path / "out" / "nab" / "windows.json").read_text())
    assert list(windows) == ["realThings/unseen.csv"]


def _extracted(root: Path) -> tuple[Path, Path]:
    """A NAB checkout and the folder `extract` made of it (the file not in a shared copy)."""
    nab = _checkout(root)
    shared = root / "shared" / "nab"
    _series(shared / "realThings" / "seen.csv", 200)
    out = root / "out"
    assert main(["extract", str(nab), str(out), "--shared", str(shared)]) == 0
    return nab, out


def test_published_results_are_scored_by_our_scorer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nab, out = _extracted(tmp_path)
    assert main(["published", str(nab), "someDetector", "--data", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "NAB normalised scores (1 files, 1 windows)" in printed
    # The one score of 1.0 lies early in the window: the file is detected, with no false alarm.
    line = next(row for row in printed.splitlines() if "realThings/unseen.csv" in row)
    assert line.split()[4:7] == ["1", "1", "0"]


def test_a_detector_nab_does_not_publish_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nab, out = _extracted(tmp_path)
    assert main(["published", str(nab), "noSuchDetector", "--data", str(out)]) == 1
    assert "NAB publishes no result of 'noSuchDetector'" in capsys.readouterr().err


def test_a_missing_checkout_or_extract_says_how_to_get_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nab, out = _extracted(tmp_path)
    nowhere = tmp_path / "nowhere"
    shared = tmp_path / "shared" / "nab"
    assert main(["extract", str(nowhere), str(tmp_path / "x"), "--shared", str(shared)]) == 2
    assert "git clone https://github.com/numenta/NAB" in capsys.readouterr().err
    assert main(["published", str(nowhere), "someDetector", "--data", str(out)]) == 2
    assert "no NAB results folder" in capsys.readouterr().err
    assert main(["published", str(nab), "someDetector", "--data", str(nowhere)]) == 2
    assert "nab_rest extract NAB_CHECKOUT OUT" in capsys.readouterr().err
