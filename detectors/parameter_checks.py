"""Checks of detectors' `__init__` arguments, refused with a `ValueError` naming the argument."""

from __future__ import annotations

__all__ = ["check_at_least", "check_min_points"]


def check_at_least(least: float, **values: float) -> None:
    """Refuse any of the named `values` below `least`: `check_at_least(1, clock=clock)`."""
    for name, value in values.items():
        if value < least:
            raise ValueError(f"{name} must be at least {least}, got {value}")


def check_min_points(min_points: int, window: int, fewest: int) -> None:
    """Refuse a warm-up of fewer than `fewest` points, or of more than the `window` holds."""
    if not fewest <= min_points <= window:
        raise ValueError(f"need {fewest} <= min_points <= window, got {min_points} and {window}")
