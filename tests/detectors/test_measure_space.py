"""Transform "auto": each measure is modelled on its signed log or in its own units, decided
once from its first `1 / alpha` points (`measure_space.transformed`)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from dexwatch.detectors import kernel_params as params
from dexwatch.detectors.series_bank import BankOutput, SeriesBank
from dexwatch.detectors.series_model import SeriesModelSettings, epoch_seconds

START = datetime(2026, 1, 5, tzinfo=UTC)
STEP_S = 300.0
SETTINGS = SeriesModelSettings()  # "auto" is the default
DECIDED_AT = math.ceil((SETTINGS.level_span + 1) / 2.0)  # 1 / alpha points seen


def _run(values: npt.NDArray[np.float64]) -> BankOutput:
    bank = SeriesBank(SETTINGS, ["value"])
    bank.add()
    times = epoch_seconds(START) + STEP_S * np.arange(len(values))
    return bank.process(np.zeros(len(values), dtype=np.int64), times, values[:, None])


def _logged(output: BankOutput) -> npt.NDArray[np.bool_]:
    """Per point: was the measure modelled on its signed log."""
    logged: npt.NDArray[np.bool_] = output.views[:, 0, 0, params.OUT_LOGGED] == 1.0
    return logged


def test_auto_is_the_default() -> None:
    assert SETTINGS.transform == "auto"


def test_a_power_law_volume_gets_the_log() -> None:
    rng = np.random.default_rng(1)
    volume = 1000.0 * (rng.pareto(1.5, 3000) + 0.01)  # a coefficient of variation far above 1
    assert _logged(_run(volume)).all()


def test_a_slowly_growing_tvl_gets_the_log() -> None:
    """Its values are no more dispersed than an exponential's, but its steps are a few percent
    of its level: multiplicative."""
    rng = np.random.default_rng(2)
    days = 600
    tvl = 3e8 * np.exp(0.004 * np.arange(days) + np.cumsum(rng.normal(0.0, 0.02, days)))
    assert _logged(_run(tvl)).all()


def test_a_percentage_near_zero_with_additive_noise_stays_raw() -> None:
    rng = np.random.default_rng(3)
    percent = np.clip(6.0 + rng.normal(0.0, 3.0, 3000), 0.0, 100.0)
    logged = _logged(_run(percent))
    assert logged[:DECIDED_AT].all()  # on the log while undecided
    assert not logged[DECIDED_AT:].any()


def test_a_measure_near_the_boundary_changes_space_once_at_most() -> None:
    """Steps whose band just about reaches -100% of the level (3 sd(step) ~ |mean|), drifting
    either side of it: the space is decided once and never revisited."""
    rng = np.random.default_rng(4)
    points = 8000
    level = 30.0 + 8.0 * np.sin(np.arange(points) * 2.0 * np.pi / 1500.0)
    noise = rng.normal(0.0, 7.1, points) * (1.0 + 0.3 * np.cos(np.arange(points) / 400.0))
    value = level + noise
    logged = _logged(_run(value))
    changes = np.flatnonzero(np.diff(logged.astype(int)))
    assert len(changes) <= 1
    assert all(change + 1 == DECIDED_AT for change in changes)


def test_a_measure_that_leaves_the_log_keeps_its_bands_in_its_own_units() -> None:
    """After the switch the level band is the plain band of the raw values seen: a spike is
    judged against a band in the measure's units."""
    rng = np.random.default_rng(5)
    percent = np.clip(6.0 + rng.normal(0.0, 3.0, 500), 0.0, 100.0)
    percent[400] = 60.0
    output = _run(percent)
    low = output.views[400, 0, 0, params.OUT_LOW]
    high = output.views[400, 0, 0, params.OUT_HIGH]
    assert output.views[400, 0, 0, params.OUT_LOGGED] == 0.0
    assert low < 6.0 < high < 20.0
