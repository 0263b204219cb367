"""`dexwatch backtest --topic`: the whole chain (`replay` a file, backtest the topic) against the
file backtest, and arguments that say what was expected."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dexwatch.cli.main import main
from dexwatch.schemas.codec import encode
from dexwatch.schemas.metric_event import MetricEvent
from tests.nab_like_data import ec2_like, taxi_like
from tests.support.kafka_helpers import create_topic, produce

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 5, 1, tzinfo=UTC)
M = {"value": 1.0}
VERDICT = ("score", "severity", "is_anomaly", "explanation")


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def evaluation_lines(printed: str) -> list[str]:
    """The report from `precision ...` on: the same for both backtests of the same data."""
    lines = printed.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("precision")) :]


@pytest.mark.kafka
def test_a_replayed_file_backtests_from_its_topic_as_from_the_file(
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    nab = ec2_like(tmp_path / "nab")
    topic = create_topic(kafka_bootstrap, unique_name("nab"), partitions=4)
    broker = ["--bootstrap-servers", kafka_bootstrap]
    assert main(["replay", str(nab.data), "--topic", topic, *broker]) == 0
    labels = ["--labels", str(nab.labels)]
    from_file, from_topic = tmp_path / "file.csv", tmp_path / "topic.csv"
    argv = ["backtest", str(nab.data), "--measures", "value", *labels]
    assert main([*argv, "--output", str(from_file)]) == 0
    file_printed = capsys.readouterr().out

    argv = ["backtest", "--topic", topic, *broker, *labels, "--labels-key", nab.key]
    assert main([*argv, "--output", str(from_topic)]) == 0
    topic_printed = capsys.readouterr().out

    file_rows, topic_rows = read_rows(from_file), read_rows(from_topic)
    assert list(topic_rows[0]) == ["timestamp", "series", *VERDICT]
    assert len(topic_rows) == len(file_rows) == 4032
    assert [[row[c] for c in VERDICT] for row in topic_rows] == [
        [row[c] for c in VERDICT] for row in file_rows
    ]
    assert topic_rows[0]["timestamp"] == "2014-03-07T03:41:00Z"
    assert sum(row["is_anomaly"] == "1" for row in topic_rows) > 0
    assert evaluation_lines(topic_printed) == evaluation_lines(file_printed)
    assert "records: 4,032 read, 4,032 scored, 1 series" in topic_printed
    assert f"wrote: {from_topic} (4,032 rows)" in topic_printed


@pytest.mark.kafka
def test_labels_judge_one_series_under_one_key(
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    topic = create_topic(kafka_bootstrap, unique_name("pools"), partitions=1)
    events = [
        encode(MetricEvent(event_time=T0, source="t", dimensions={"pool": name}, measures=M))
        for name in ("a", "b")
    ]
    produce(kafka_bootstrap, topic, [(None, event) for event in events])
    argv = ["backtest", "--topic", topic, "--bootstrap-servers", kafka_bootstrap]
    nab = ec2_like(tmp_path / "nab")
    taxi_like(tmp_path / "nab")  # a second entry in windows.json: which one is meant?
    argv += ["--labels", str(nab.labels), "--output", str(tmp_path / "o.csv")]
    assert main(argv) == 1
    assert "name one with --labels-key" in capsys.readouterr().err
    assert main([*argv, "--labels-key", nab.key]) == 1
    assert "--labels (NAB windows) judge one series" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--topic", "t", "--measures", "v"], "--measures only applies with INPUT.csv"),
        (["--topic", "t", "--search"], "--search only applies with INPUT.csv"),
        (["@IN", "--topic", "t"], "argument --topic: not allowed with argument INPUT.csv"),
        (["--measures", "v"], "one of the arguments INPUT.csv --topic is required"),
        (["@IN", "--measures", "v", "--from-offset", "3"], "--from-offset only applies with"),
        (["--topic", "t", "--from-offset", "-1"], "expected an integer >= 0, got '-1'"),
        (["--topic", "t", "--from-time", "soon"], "expected an ISO 8601 time"),
        (["--topic", "t", "--from-offset", "1", "--from-time", "2024-01-01"], "not allowed"),
        (["--topic", "t", "--datasets", "@IN", "--config", "@IN"], "--config sets the default"),
    ],
)
def test_bad_topic_arguments_say_what_was_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    data = tmp_path / "in.csv"
    data.write_text("timestamp,v\n2024-01-01,1\n")
    arguments = [str(data) if arg == "@IN" else arg for arg in argv]
    with pytest.raises(SystemExit) as exit_info:
        main(["backtest", *arguments, "--output", str(tmp_path / "out.csv")])
    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err


def test_a_topic_no_dataset_reads_fails_naming_the_topics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    datasets = REPO / "deploy" / "datasets" / "generic.yaml"
    argv = ["backtest", "--topic", "elsewhere", "--datasets", str(datasets)]
    assert main([*argv, "--bootstrap-servers", "127.0.0.1:1", "--output", "o.csv"]) == 1
    assert "no dataset reads topic 'elsewhere'; the datasets read ['dexwatch.metrics']" in (
        capsys.readouterr().err
    )
