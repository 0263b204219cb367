"""The bounded window the rules share: sorted copy, quantiles, spread and restore."""

from __future__ import annotations

import numpy as np
import pytest

from dexwatch.detectors.recent_window import RecentWindow


@pytest.mark.parametrize("size", [1, 2, 7, 50])
def test_keeps_the_last_values_in_order_and_sorted(size: int) -> None:
    rng = np.random.default_rng(size)
    # Few distinct values, so duplicates enter and leave the sorted copy often.
    values = rng.integers(0, 6, 500).astype(np.float64)
    window = RecentWindow(size)
    for count, value in enumerate(values.tolist(), start=1):
        window.push(value)
        recent = values[max(0, count - size) : count]
        assert window.values().tolist() == recent.tolist()
        assert window._sorted[: len(window)].tolist() == sorted(recent.tolist())


@pytest.mark.parametrize("q", [0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0])
def test_quantiles_match_numpy_linear(q: float) -> None:
    values = np.random.default_rng(1).normal(0.0, 1.0, 300)
    window = RecentWindow(100)
    for value in values.tolist():
        window.push(value)
    assert window.quantile(q) == pytest.approx(float(np.quantile(values[-100:], q)), abs=1e-12)


def test_mean_and_std_match_numpy() -> None:
    values = np.random.default_rng(2).normal(1e6, 3.0, 250)
    window = RecentWindow(100)
    for value in values.tolist():
        window.push(value)
    mean, std = window.mean_and_std()
    assert mean == pytest.approx(float(np.mean(values[-100:])), rel=1e-12)
    assert std == pytest.approx(float(np.std(values[-100:])), rel=1e-9)


def test_restored_from_its_values_it_computes_the_same_bits() -> None:
    values = np.random.default_rng(3).normal(0.0, 1.0, 537)
    window = RecentWindow(64)
    for value in values.tolist():
        window.push(value)
    restored = RecentWindow.from_values(64, window.values())
    for value in np.random.default_rng(4).normal(0.0, 1.0, 100).tolist():
        assert restored.mean_and_std() == window.mean_and_std()
        assert restored.quantile(0.3) == window.quantile(0.3)
        restored.push(value)
        window.push(value)
    assert restored.values().tolist() == window.values().tolist()


def test_refuses_what_it_cannot_hold() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RecentWindow(0)
    with pytest.raises(ValueError, match="cannot hold"):
        RecentWindow.from_values(3, np.zeros(4))
    with pytest.raises(ValueError, match="empty"):
        RecentWindow(3).quantile(0.5)
