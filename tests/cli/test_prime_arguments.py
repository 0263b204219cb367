"""`dexwatch prime`'s refusals before it touches Kafka: each says what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexwatch.cli.main import main

SHIPPED = Path(__file__).resolve().parents[2] / "deploy" / "datasets"
NO_BROKER = ["--bootstrap-servers", "127.0.0.1:1"]


def _error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(["prime", "--datasets", str(SHIPPED), *NO_BROKER, *argv])
    except SystemExit as exit_:  # argparse's refusals
        code = int(exit_.code or 0)
    return code, capsys.readouterr().err


def test_a_source_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _error([], capsys)
    assert code == 2
    assert "one of the arguments --from-file --from-topic is required" in err


def test_file_options_need_a_file_and_topic_options_a_topic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _error(["--from-topic", "t", "--time-column", "ts"], capsys)
    assert code == 2
    assert "apply only with --from-file" in err
    history = tmp_path / "h.csv"
    history.write_text("timestamp,price\n")
    code, err = _error(["--from-file", str(history), "--from-offset", "3"], capsys)
    assert code == 2
    assert "only apply with --from-topic" in err


def test_a_file_of_unknown_format_and_a_topic_no_dataset_reads_fail_naming_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history.txt"
    history.write_text("x")
    code, err = _error(["--from-file", str(history)], capsys)
    assert code == 1
    assert "cannot tell the format of" in err
    assert "--format csv" in err
    code, err = _error(["--from-topic", "elsewhere"], capsys)
    assert code == 1
    assert "no dataset reads topic 'elsewhere'" in err
    assert "--as-topic" in err
