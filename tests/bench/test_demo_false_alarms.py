"""bench.demo_false_alarms: make run's detector over the simulator, alerts split by the labels."""

from __future__ import annotations

from datetime import datetime

from bench.demo_false_alarms import run_seed
from dexwatch.cli.run_command import _ANOMALY_AT_STEP
from dexwatch.connectors.dex_simulator import DexMarketSimulator, SimulatorConfig
from dexwatch.detectors.series_layout import VIEWS


def test_the_burst_is_the_injected_alert_and_every_other_alert_lies_outside_the_labels() -> None:
    run = run_seed(7, weeks=1, pools=4)
    assert run.caught, "make run's burst is found in the first simulated week"
    [label] = DexMarketSimulator(SimulatorConfig(anomaly_at_step=_ANOMALY_AT_STEP)).labels()
    for alert in run.alerts:
        inside = label.start <= datetime.fromisoformat(alert.time + "Z") < label.end
        assert alert.injected == (inside and label.dimensions["pool"].startswith(alert.pool))
        assert set(alert.views) <= {*VIEWS, "joint"}, alert


def test_make_runs_first_two_weeks_raise_no_joint_false_alarm() -> None:
    # Fees are volume times a fee rate and trades follow volume: the pools' measures move
    # together by construction. A joint band learnt over the level's 150 points narrowed in a
    # quiet stretch, and an ordinary point (the joint scores' 1% tail) read as a record at
    # 2026-01-16T08:25, ~2 minutes into `make run`; learnt over the record's horizon it is not.
    run = run_seed(7, weeks=2, pools=4)
    assert run.caught
    assert [alert for alert in run.false_alarms if "joint" in alert.views] == []
