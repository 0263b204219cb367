"""`dexwatch schemas export DIR`: writes the schema files and prints where."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import orjson
import pytest

from dexwatch.cli import schemas_command
from dexwatch.cli.main import main

NAMES = [
    "metric-event.schema.json",
    "anomaly-event.schema.json",
    "dead-letter-record.schema.json",
    "dex-transaction.schema.json",
    "model-action-event.schema.json",
    "incident-event.schema.json",
    "feedback-event.schema.json",
    "sink-dead-letter-record.schema.json",
    "score-event.schema.json",
    "incident-control.schema.json",
]


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse through a parser holding only this command, as main.py builds it."""
    parser = argparse.ArgumentParser(prog="dexwatch")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    schemas_command.register(commands.add_parser("schemas"))
    return parser.parse_args(argv)


def test_export_writes_the_files_and_prints_their_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "out" / "schemas"
    args = parse(["schemas", "export", str(directory)])
    assert args.directory == directory
    assert args.handler(args) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [str(directory / name) for name in NAMES]
    for name in NAMES:
        document = orjson.loads((directory / name).read_bytes())
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["schemas", "export"], "the following arguments are required: DIR"),
        (["schemas"], "the following arguments are required: ACTION"),
        (["schemas", "import", "x"], "invalid choice: 'import'"),
    ],
)
def test_bad_arguments_say_what_was_expected(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        parse(argv)
    assert caught.value.code == 2
    assert expected in capsys.readouterr().err


def test_unwritable_directory_is_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    occupied = tmp_path / "a-file"
    occupied.write_text("not a directory")
    args = parse(["schemas", "export", str(occupied)])
    assert args.handler(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"dexwatch schemas export: cannot write to {occupied}: " in captured.err


def test_help_names_the_argument(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        parse(["schemas", "export", "--help"])
    assert caught.value.code == 0
    assert "DIR" in capsys.readouterr().out


def test_through_the_dexwatch_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "export", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines() == [str(tmp_path / name) for name in NAMES]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(NAMES)


def test_through_the_dexwatch_command_without_dir(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["schemas", "export"])
    assert caught.value.code == 2
    assert "the following arguments are required: DIR" in capsys.readouterr().err
