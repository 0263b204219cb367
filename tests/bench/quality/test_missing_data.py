"""Without ../shared/data the harness says where it looked, and exits 2 before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.quality.cli import EXIT_MISSING_DATA, main
from bench.quality.data import MissingData, corpus_files, require


def test_missing_folder_names_where_it_looked_and_what_is_needed(tmp_path: Path) -> None:
    looked = tmp_path / "shared" / "data"
    with pytest.raises(MissingData) as caught:
        require(looked, "shared data folder")
    message = str(caught.value)
    assert str(looked) in message
    assert "shared data beside the repository" in message
    assert caught.value.looked == looked


def test_a_corpus_folder_without_csv_files_is_missing_data(tmp_path: Path) -> None:
    with pytest.raises(MissingData, match=r"\*\.csv"):
        corpus_files(tmp_path, "*.csv", "DeFi corpus folder")


def test_main_exits_2_when_the_shared_data_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    looked = tmp_path / "nowhere"
    assert main(["--data", str(looked)]) == EXIT_MISSING_DATA == 2
    error = capsys.readouterr().err
    assert f"no shared data folder at {looked}" in error
    assert "beside the repository" in error


def test_main_exits_2_when_a_corpus_folder_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "nab").mkdir()
    assert main(["--data", str(tmp_path), "--only", "dex"]) == 2
    assert f"no DeFi corpus folder at {tmp_path / 'dex'}" in capsys.readouterr().err


def test_main_exits_2_when_the_windows_file_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "dex").mkdir()
    (tmp_path / "dex" / "a.csv").write_text("timestamp,value\n", encoding="utf-8")
    assert main(["--data", str(tmp_path), "--only", "dex"]) == 2
    assert (
        f"no DeFi corpus windows file at {tmp_path / 'dex' / 'windows.json'}"
        in capsys.readouterr().err
    )
