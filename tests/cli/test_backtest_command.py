"""`dexwatch backtest`: per-row output, labels, metrics, bad rows, config, search, NAB-like data."""

from __future__ import annotations

import csv
import json
import math
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dexwatch.cli import backtest_command
from dexwatch.cli.backtest_command import NOTHING_SCORED
from dexwatch.cli.main import main
from dexwatch.detectors.backtest_search import MAX_COMBINATIONS
from dexwatch.detectors.series_model import SeriesModelSettings
from tests.nab_like_data import taxi_like

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 3, 1, tzinfo=UTC)
STEP = timedelta(minutes=5)
SPIKE_AT = 1500


def write_series(path: Path, n: int = 2000, label_column: bool = False) -> Path:
    """A noisy daily cycle with a 6x spike at row SPIKE_AT; optionally a 0/1 label column."""
    rng = random.Random(7)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["timestamp", "value", *(["label"] if label_column else [])])
        for step in range(n):
            value = 100 + 20 * math.sin(2 * math.pi * step / 288) + rng.gauss(0, 2)
            if step == SPIKE_AT:
                value *= 6
            label = [int(SPIKE_AT <= step < SPIKE_AT + 3)] if label_column else []
            writer.writerow([(T0 + step * STEP).strftime("%Y-%m-%d %H:%M:%S"), value, *label])
    return path


def write_windows(path: Path, key: str, rows: list[tuple[int, int]]) -> Path:
    def stamp(row: int) -> str:
        return (T0 + row * STEP).strftime("%Y-%m-%d %H:%M:%S.%f")

    path.write_text(json.dumps({key: [[stamp(first), stamp(last)] for first, last in rows]}))
    return path


def read_output(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def test_a_spike_is_flagged_and_scored_against_nab_windows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_series(tmp_path / "synthetic" / "spiky.csv")
    labels = write_windows(tmp_path / "windows.json", "synthetic/spiky.csv", [(1490, 1520)])
    output = tmp_path / "out.csv"
    code = main(
        [
            "backtest",
            str(data),
            "--time-column",
            "timestamp",
            "--measures",
            "value",
            "--labels",
            str(labels),
            "--output",
            str(output),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    rows = read_output(output)
    assert len(rows) == 2000
    assert list(rows[0]) == ["timestamp", "score", "severity", "is_anomaly", "explanation"]
    assert rows[SPIKE_AT]["timestamp"] == "2024-03-06T05:00:00Z"
    assert rows[SPIKE_AT]["is_anomaly"] == "1"
    assert float(rows[SPIKE_AT]["score"]) == max(float(row["score"]) for row in rows)
    assert "value" in rows[SPIKE_AT]["explanation"]
    assert "1 NAB window(s) for 'synthetic/spiky.csv'" in printed
    assert "recall 1.000" in printed
    assert "event-wise over 1 window(s)" in printed
    for profile in ("standard", "reward_low_FP_rate", "reward_low_FN_rate"):
        assert profile in printed
    standard = next(line for line in printed.splitlines() if line.strip().startswith("standard"))
    # The spike is 10 rows into the 31-row window: well above half of a perfect score.
    assert float(standard.split()[1]) > 50


def test_a_label_column_gives_point_wise_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_series(tmp_path / "labelled.csv", label_column=True)
    output = tmp_path / "out.csv"
    argv = ["backtest", str(data), "--measures", "value", "--label-column", "label"]
    assert main([*argv, "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "column 'label' (1 run(s) of 1s as NAB windows)" in printed
    assert "point-wise over 2000 scored, labelled row(s)" in printed
    assert "precision 1.000" in printed
    assert len(read_output(output)) == 2000


def test_dimensions_are_written_and_bad_rows_reported_not_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "pools.csv"
    data.write_text(
        "timestamp,pool,volume,tvl\n"
        "2024-03-01T00:00:00Z,a,10,1000\n"
        "2024-03-01T00:00:00Z,b,20,2000\n"
        "not-a-time,a,11,1000\n"
        "2024-03-01T00:05:00Z,b,x,2000\n"
        "2024-03-01T00:05:00Z,a,12,1001\n"
    )
    output = tmp_path / "out.csv"
    argv = ["backtest", str(data), "--measures", "volume,tvl", "--dimensions", "pool"]
    assert main([*argv, "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "5 read, 3 scored, 3 without a verdict (warming up), 2 series" in printed
    assert "2 bad row(s) skipped (non-numeric measure: 1, unparseable time: 1)" in printed
    assert "line 4: time 'not-a-time' is neither ISO 8601 nor a Unix time" in printed
    assert "line 5: measure 'volume' is not a number: 'x'" in printed
    rows = read_output(output)
    assert [row["pool"] for row in rows] == ["a", "b", "a", "b", "a"]
    assert list(rows[0])[:2] == ["timestamp", "pool"]
    assert rows[2]["score"] == ""
    assert rows[2]["is_anomaly"] == "0"
    assert rows[2]["explanation"].startswith("skipped: time 'not-a-time'")


def test_a_missing_labels_entry_fails_naming_what_was_looked_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_series(tmp_path / "cat" / "file.csv", n=50)
    labels = write_windows(tmp_path / "windows.json", "cat/other.csv", [])
    argv = ["backtest", str(data), "--measures", "value", "--labels", str(labels)]
    assert main([*argv, "--output", str(tmp_path / "out.csv")]) == 1
    assert "has no entry 'cat/file.csv'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--measures", "a,,b"], "expected comma-separated column names like a,b, got 'a,,b'"),
        (["--measures", "value", "--labels", "nope.json"], "expected an existing file"),
        (["--measures", "value", "--search-metric", "auc"], "invalid choice: 'auc'"),
        (["--measures", "value", "--labels", "@IN", "--label-column", "y"], "not allowed with"),
        (["--delimiter", ";;"], "expected one character such as , or ; (or 'tab'), got ';;'"),
        (["--from-offset", "3"], "--from-offset only applies with --topic"),
        (["--dataset"], "argument --dataset: expected one argument"),
    ],
)
def test_bad_arguments_say_what_was_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    data = write_series(tmp_path / "in.csv", n=10)
    arguments = [str(data) if arg == "@IN" else arg for arg in argv]
    with pytest.raises(SystemExit) as exit_info:
        main(["backtest", str(data), *arguments, "--output", str(tmp_path / "out.csv")])
    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err


def test_a_missing_input_or_column_fails_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["backtest", str(tmp_path / "nope.csv"), "--measures", "v", "--output", "o.csv"])
    assert "expected an existing file, got" in capsys.readouterr().err
    data = write_series(tmp_path / "in.csv", n=10)
    argv = ["backtest", str(data), "--measures", "volume", "--output", str(tmp_path / "o.csv")]
    assert main(argv) == 1
    assert "measure 'volume' is not in the header" in capsys.readouterr().err


def test_config_sets_detector_fields_and_a_bad_field_fails_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_series(tmp_path / "in.csv", n=400)
    config = tmp_path / "dataset.yaml"
    warmup_field = "warmup" in SeriesModelSettings.model_fields
    config.write_text("detector:\n  warmup: 300\n" if warmup_field else "detector: {}\n")
    output = tmp_path / "out.csv"
    argv = ["backtest", str(data), "--measures", "value", "--config", str(config)]
    assert main([*argv, "--output", str(output)]) == 0
    if warmup_field:
        explanations = [row["explanation"] for row in read_output(output)]
        assert explanations[299] == "warming up"
        assert explanations[300] != "warming up"
    config.write_text("detector:\n  no_such_setting: 3\n")
    assert main([*argv, "--output", str(output)]) == 1
    assert "no_such_setting" in capsys.readouterr().err


def test_search_tries_a_small_grid_and_reports_the_best(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_series(tmp_path / "synthetic" / "spiky.csv")
    labels = write_windows(tmp_path / "windows.json", "synthetic/spiky.csv", [(1490, 1520)])
    argv = ["backtest", str(data), "--measures", "value", "--labels", str(labels), "--search"]
    for metric, label in (("nab", "NAB standard"), ("f1", "F1")):
        output = tmp_path / f"{metric}.csv"
        code = main([*argv, "--search-metric", metric, "--output", str(output)])
        printed = capsys.readouterr().out
        assert code == 0
        header = printed.splitlines()[0]
        assert header.startswith("search: ")
        assert header.endswith(f"by {label}")
        combinations = int(header.split()[1])
        assert 2 <= combinations <= MAX_COMBINATIONS
        tried = [line for line in printed.splitlines() if line.startswith("  ") and "=" in line]
        assert len(tried) == combinations
        assert "search: best " in printed
        assert len(read_output(output)) == 2000


def test_search_needs_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_series(tmp_path / "in.csv", n=10)
    argv = ["backtest", str(data), "--measures", "value", "--search"]
    assert main([*argv, "--output", str(tmp_path / "out.csv")]) == 1
    assert "--search needs labels" in capsys.readouterr().err


def test_a_nab_sized_file_against_its_windows_end_to_end(tmp_path: Path) -> None:
    """The command as a user runs it, on a file the size and shape of NAB's nyc_taxi.csv."""
    nab = taxi_like(tmp_path / "nab")
    output = tmp_path / "taxi_like.out.csv"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "dexwatch.cli.main",
            "backtest",
            str(nab.data),
            "--time-column",
            "timestamp",
            "--measures",
            "value",
            "--labels",
            str(nab.labels),
            "--output",
            str(output),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    printed = completed.stdout
    assert "rows: 10,320 read, 10,320 scored, " in printed
    assert "order: rows in time order" in printed
    assert f"5 NAB window(s) for '{nab.key}'" in printed
    assert "precision " in printed
    assert " F1 " in printed
    nab_scores = {
        line.split()[0]: float(line.split()[1])
        for line in printed.splitlines()
        if line.strip().split(" ")[0] in ("standard", "reward_low_FP_rate", "reward_low_FN_rate")
    }
    assert set(nab_scores) == {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}
    assert all(0.0 <= value <= 100.0 for value in nab_scores.values())
    rows = read_output(output)
    assert len(rows) == 10_320
    assert rows[0]["timestamp"] == "2014-07-01T00:00:00Z"


def write_text_series(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_semicolon_file_with_unix_milliseconds_and_default_measures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = int(T0.timestamp() * 1000)
    lines = ["time;pool;volume;tvl"]
    lines += [
        f"{start + step * 300_000};a;{100 + step % 7}.5;{2000 + step % 3}" for step in range(50)
    ]
    lines[1] = lines[1].replace(".5", ",5")
    data = write_text_series(tmp_path / "pools.csv", lines)
    output = tmp_path / "out.csv"
    argv = ["backtest", str(data), "--time-column", "time", "--dimensions", "pool"]
    assert main([*argv, "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "delimiter: semicolon (';') (found from the first lines)" in printed
    assert "times: Unix milliseconds (column 'time')" in printed
    assert "measures: volume, tvl (by default: every other column)" in printed
    assert "order: rows in time order" in printed
    rows = read_output(output)
    assert [row["timestamp"] for row in rows[:2]] == [
        "2024-03-01T00:00:00Z",
        "2024-03-01T00:05:00Z",
    ]
    # `100,5` is not a number here: a decimal comma is refused, not misread.
    assert rows[0]["explanation"].startswith("skipped: measure 'volume' is not a number")


def test_a_tab_file_with_nanoseconds_given_its_delimiter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = int(T0.timestamp()) * 10**9
    lines = [
        "timestamp\tvalue",
        *(f"{start + step * 300 * 10**9}\t{step % 5}" for step in range(30)),
    ]
    data = write_text_series(tmp_path / "in.tsv", lines)
    output = tmp_path / "out.csv"
    argv = ["backtest", str(data), "--delimiter", "tab", "--output", str(output)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "delimiter: tab ('\\t') (--delimiter)" in printed
    assert "times: Unix nanoseconds" in printed
    assert "rows: 30 read, 30 scored, 30 without a verdict (warming up), 1 series" in printed
    assert read_output(output)[-1]["timestamp"] == "2024-03-01T02:25:00Z"


def test_a_newest_first_file_is_sorted_unless_keep_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forward = write_series(tmp_path / "forward.csv")
    header, *body = forward.read_text().splitlines()
    backward = write_text_series(tmp_path / "backward.csv", [header, *reversed(body)])
    outputs = {}
    for name, path, extra in (
        ("forward", forward, []),
        ("backward", backward, []),
        ("kept", backward, ["--keep-order"]),
    ):
        outputs[name] = tmp_path / f"{name}.out.csv"
        argv = ["backtest", str(path), "--measures", "value", *extra]
        assert main([*argv, "--output", str(outputs[name])]) == 0
        printed = capsys.readouterr().out
        if name == "backward":
            assert "order: 1,999 row(s) out of time order: sorted per series" in printed
        if name == "kept":
            assert "order: 1,999 row(s) out of time order: scored in file order" in printed
    assert read_output(outputs["backward"]) == read_output(outputs["forward"])
    kept = read_output(outputs["kept"])
    assert kept[0]["timestamp"] == read_output(outputs["forward"])[-1]["timestamp"]


def test_no_row_scored_exits_with_its_own_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_text_series(tmp_path / "in.csv", ["timestamp,value", "soon,1", "later,2"])
    output = tmp_path / "out.csv"
    argv = ["backtest", str(data), "--output", str(output)]
    assert main(argv) == NOTHING_SCORED == 3
    captured = capsys.readouterr()
    assert "rows: 2 read, 0 scored" in captured.out
    assert "no row could be scored" in captured.err
    assert len(read_output(output)) == 2
    empty = write_text_series(tmp_path / "empty.csv", ["timestamp,value"])
    assert main(["backtest", str(empty), "--output", str(output)]) == NOTHING_SCORED
    with pytest.raises(SystemExit):
        main(["backtest", "--help"])
    assert "3 when no row could be scored" in " ".join(capsys.readouterr().out.split())


DATASETS = """\
datasets:
  - name: quiet
    source: {topic: dexwatch.metrics}
    dimensions: [pool]
    measures: [{name: value, aggregation: sum}]
    interval: 5m
    detector: {warmup: 40}
  - name: loud
    source: {topic: dexwatch.metrics}
    dimensions: [pool]
    measures: [{name: value, aggregation: sum}]
    interval: 5m
    detector: {warmup: 60}
"""


def test_config_takes_the_workers_datasets_yaml_and_dataset_picks_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_series(tmp_path / "in.csv", n=100)
    config = tmp_path / "datasets.yaml"
    config.write_text(DATASETS)
    output = tmp_path / "out.csv"
    argv = ["backtest", str(data), "--config", str(config), "--output", str(output)]
    assert main(argv) == 1
    assert "declares 2 datasets: pick one with --dataset (one of quiet, loud)" in (
        capsys.readouterr().err
    )
    assert main([*argv, "--dataset", "noisy"]) == 1
    assert "has no dataset 'noisy'; its datasets: quiet, loud" in capsys.readouterr().err
    assert main([*argv, "--dataset", "loud"]) == 0
    assert f"config: {config}, dataset 'loud'" in capsys.readouterr().out
    explanations = [row["explanation"] for row in read_output(output)]
    assert explanations[59] == "warming up"
    assert explanations[60] != "warming up"
    config.write_text(DATASETS.split("  - name: loud")[0])
    assert main(argv) == 0
    assert "dataset 'quiet'" in capsys.readouterr().out
    assert main(["backtest", str(data), "--dataset", "quiet", "--output", str(output)]) == 1
    assert "--dataset picks a dataset of a --config datasets file" in capsys.readouterr().err


def test_progress_says_rows_done_of_the_total_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backtest_command, "_PROGRESS_SECONDS", 0.0)
    data = write_series(tmp_path / "in.csv")
    for extra in ([], ["--keep-order"]):
        argv = ["backtest", str(data), "--measures", "value", *extra]
        assert main([*argv, "--output", str(tmp_path / "out.csv")]) == 0
        captured = capsys.readouterr()
        assert "backtest: 1,024/2,000 rows (51%), " in captured.err
        assert "rows/s" in captured.err
        assert "1,024/" not in captured.out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--topic", "t", "--keep-order"], "--keep-order only applies with INPUT.csv"),
        (["--topic", "t", "--delimiter", ";"], "--delimiter only applies with INPUT.csv"),
        (["--topic", "t", "--dataset", "x"], "--dataset only applies with INPUT.csv"),
    ],
)
def test_file_only_options_are_refused_with_a_topic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["backtest", *argv, "--output", str(tmp_path / "out.csv")])
    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err


def _write_rows(path: Path, values: list[float], step: timedelta = STEP) -> Path:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["timestamp", "value"])
        for index, value in enumerate(values):
            writer.writerow([(T0 + index * step).strftime("%Y-%m-%d %H:%M:%S"), value])
    return path


@pytest.mark.parametrize("seed", range(5))
def test_a_30_sd_spike_at_the_40th_point_alerts_there(tmp_path: Path, seed: int) -> None:
    # No fixed warm-up: a young series alerts on a huge departure, and not on its noise.
    rng = random.Random(seed)
    values = [100 + rng.gauss(0, 1) for _ in range(39)] + [130.0]
    data = _write_rows(tmp_path / "young.csv", values)
    out = tmp_path / "out.csv"
    assert main(["backtest", str(data), "--measures", "value", "--output", str(out)]) == 0
    flagged = [index for index, row in enumerate(read_output(out)) if row["is_anomaly"] == "1"]
    assert flagged == [39]


def test_one_tick_moves_on_a_flat_price_do_not_alert(tmp_path: Path) -> None:
    # A stablecoin quoted to 4 decimals: mostly flat, now and then a tick or two away.
    rng = random.Random(3)
    price, values = 1.0003, []
    for _ in range(3000):
        if rng.random() < 0.05:
            price = round(price + rng.choice((-0.0001, 0.0001)), 4)
        if abs(price - 1.0003) > 0.00025:
            price = 1.0003
        values.append(price)
    data = _write_rows(tmp_path / "flat.csv", values, step=timedelta(minutes=1))
    out = tmp_path / "out.csv"
    assert main(["backtest", str(data), "--measures", "value", "--output", str(out)]) == 0
    rows = read_output(out)
    assert len(rows) == 3000
    assert not [row for row in rows if row["is_anomaly"] == "1"]


def test_the_same_renames_constant_dimensions_and_default_measures_as_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A dashboard export: spaces in the header, newest first, no pool column, no --measures.
    rows = [f"{(T0 + step * STEP).isoformat()},{1 + step / 1e4},{100 + step}" for step in range(40)]
    export = write_text_series(tmp_path / "export.csv", ["Time,Virtual Price,TVL", *rows[::-1]])
    output = tmp_path / "out.csv"
    argv = ["backtest", str(export), "--time-column", "Time", "--output", str(output)]
    shaping = ["--rename", "Virtual Price=virtual_price", "--dimension", "pool=3pool"]
    assert main([*argv, *shaping]) == 0
    printed = capsys.readouterr().out
    assert "measures: virtual_price, TVL (by default: every other column)" in printed
    assert "39 row(s) out of time order: sorted per series" in printed
    written = read_output(output)
    assert {row["pool"] for row in written} == {"3pool"}, "the constant is an output dimension"
    assert written[0]["timestamp"] == "2024-03-01T00:00:00Z"
    assert main([*argv, "--rename", "Price=price"]) == 1
    assert "--rename Price=price: no column 'Price' in the header" in capsys.readouterr().err
    topic = ["backtest", "--topic", "t", "--output", str(output), *shaping]
    with pytest.raises(SystemExit):
        main(topic)
    assert "--rename only applies with INPUT.csv" in capsys.readouterr().err
