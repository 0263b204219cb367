"""bench.svb_incident's path (the worker's handler, band watch and incident runner, no Kafka)
on a file of the SVB depeg's shape, made here; and its refusal without the data."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bench.svb_incident import main, run
from tests.streams.incidents.depeg_series import ONSET, RETURN, START, STEP, depeg_prices


def test_a_depeg_file_gives_one_incident_resolved_after_the_price_is_back(tmp_path: Path) -> None:
    path = tmp_path / "usdc.csv"
    rows = [
        f"{START + index * STEP:%Y-%m-%d %H:%M:%S},{price}"
        for index, price in enumerate(depeg_prices())
    ]
    path.write_text("timestamp,close\n" + "\n".join(rows) + "\n")
    result = run(path, "3h", tmp_path)
    assert len({version.incident_id for version in result.versions}) == 1
    first, *_, last = result.versions
    assert first.status == "open"
    assert ONSET <= first.first_interval_start <= ONSET + 2 * STEP
    assert last.status == "resolved"
    assert last.resolved_at == RETURN + timedelta(hours=3)  # resolve_after once back


def test_without_the_data_it_says_so_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data", str(tmp_path)]) == 2
    assert "not found" in capsys.readouterr().err
