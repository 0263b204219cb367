"""bench.alarm_views: each alert episode with the view that raised it and the record it beat."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bench.alarm_views import alarm_views, main
from dexwatch.detectors.series_model import SeriesModelSettings

START = datetime(2024, 1, 1)
SPIKE = 150


def _corpus(folder: Path, windows: list[list[str]]) -> Path:
    # 200 hourly points of noise around 100, a 30-sd spike at point 150.
    rng = random.Random(1)
    path = folder / "dex" / "spiky.csv"
    path.parent.mkdir()
    lines = ["timestamp,value"]
    for step in range(200):
        value = 100.0 + rng.gauss(0.0, 1.0) + (30.0 if step == SPIKE else 0.0)
        lines.append(f"{START + timedelta(hours=step):%Y-%m-%d %H:%M:%S},{value:.3f}")
    path.write_text("\n".join(lines) + "\n")
    (path.parent / "windows.json").write_text(json.dumps({"dex/spiky.csv": windows}))
    return path


def test_a_false_alarm_names_its_view_band_and_record(tmp_path: Path) -> None:
    episodes = alarm_views(_corpus(tmp_path, []), SeriesModelSettings(transform="none"))
    assert len(episodes) == 1
    episode = episodes[0]
    assert not episode.in_window
    assert episode.at.replace(tzinfo=None) == START + timedelta(hours=SPIKE)
    fired = episode.fired
    assert (fired.measure, fired.view) == ("value", "level")
    assert fired.value > fired.high, "the spike stands above its band"
    assert fired.deviation > 20
    assert fired.ratio > 1.0
    # The record beaten: at least the band's half-width, and what makes the ratio.
    assert fired.record >= 3.0
    assert fired.sd_in_resolutions > 10, "a noisy measure's spread is far above its floor"


def test_episodes_inside_a_window_only_when_asked(tmp_path: Path) -> None:
    window = [f"{START + timedelta(hours=SPIKE - 1):%Y-%m-%d %H:%M:%S}"] * 2
    window[1] = f"{START + timedelta(hours=SPIKE + 1):%Y-%m-%d %H:%M:%S}"
    path = _corpus(tmp_path, [window])
    settings = SeriesModelSettings(transform="none")
    assert alarm_views(path, settings) == []
    assert [episode.in_window for episode in alarm_views(path, settings, every=True)] == [True]


def test_a_missing_file_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "absent.csv")]) == 2
    assert "absent.csv" in capsys.readouterr().err
