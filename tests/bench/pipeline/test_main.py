"""The command line of `python -m bench.pipeline`: scenarios by name, sizes, --json."""

from __future__ import annotations

import math
from pathlib import Path

import orjson
import pytest

from bench.pipeline.__main__ import SCENARIOS, figures_json, main, parse_sizes
from bench.pipeline.recovery import RecoveryFigures
from bench.pipeline.sizes import Sizes
from bench.pipeline.stats import percentiles


def test_help_lists_every_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    shown = capsys.readouterr().out
    assert list(SCENARIOS) == ["throughput", "two-workers", "latency", "recovery"]
    for name in SCENARIOS:
        assert f"- {name} (`" in shown  # its paragraph in the description
    assert "--json" in shown


def test_no_scenario_named_runs_them_all_in_their_order() -> None:
    names, sizes, json_path = parse_sizes([])
    assert names == list(SCENARIOS)
    assert sizes == Sizes()
    assert json_path is None


def test_named_scenarios_run_in_their_order_with_the_sizes_given(tmp_path: Path) -> None:
    names, sizes, json_path = parse_sizes(
        [
            "recovery",
            "throughput",
            "--events=200000",
            "--series=1000",
            "--latency-envelope=1",
            "--latency-envelope=50",
            f"--json={tmp_path / 'figures.json'}",
        ]
    )
    assert names == ["throughput", "recovery"]
    assert (sizes.events, sizes.series, sizes.latency_envelopes) == (200_000, 1_000, (1, 50))
    assert json_path == tmp_path / "figures.json"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["speed"], "no scenario 'speed': choose from throughput, two-workers, latency"),
        (["--rate=0"], "rate must be above 0"),
        (["--events=5", "--series=10"], "events (5) must be at least series (10)"),
    ],
)
def test_bad_arguments_are_refused_naming_them(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse_sizes(argv)
    assert exit_.value.code == 2
    assert said in capsys.readouterr().err


def test_the_json_file_holds_each_scenarios_figures_by_name() -> None:
    recovered = RecoveryFigures(
        series=50,
        points=2,
        first_drain_s=1.5,
        series_live=50.0,
        snapshot_writes=3.0,
        to_metrics_s=2.0,
        to_first_score_s=3.0,
        to_all_scored_s=3.5,
        all_scored=True,
        replayed=0.0,
    )
    timed = percentiles([0.01, 0.02])
    document = orjson.loads(
        figures_json(Sizes(seed=3), {"recovery": recovered, "stats": [timed, math.nan]})
    )
    assert document["sizes"]["seed"] == 3
    assert document["sizes"]["latency_envelopes"] == [1, 20]
    assert document["scenarios"]["recovery"]["to_first_score_s"] == 3.0
    assert document["scenarios"]["stats"] == [
        {"n": 2, "p50_ms": 20.0, "p99_ms": 20.0, "max_ms": 20.0},
        None,
    ]
    assert isinstance(document["machine"], str)
