"""Seeded streams of one series for the drift tests: noise, then optionally a level shift."""

from __future__ import annotations

import random

__all__ = ["LEVEL", "SPREAD", "points", "shifted"]

LEVEL = 1000.0  # far from 0, so the signed log is nearly linear and the sd is the sd
SPREAD = 10.0


def shifted(seed: int, before: int, after: int, shift_sd: float = 0.0) -> list[float]:
    """`before` noisy values around LEVEL, then `after` values `shift_sd` spreads higher."""
    rng = random.Random(seed)
    return [
        rng.gauss(LEVEL + (shift_sd * SPREAD if index >= before else 0.0), SPREAD)
        for index in range(before + after)
    ]


def points(
    seed: int, before: int, after: int, shift: dict[str, float] | None = None
) -> list[dict[str, float]]:
    """Points of measures `tvl_usd` and `volume_usd`; `shift` gives each one's shift in sd."""
    shift = shift or {}
    columns = {
        name: shifted(seed + offset, before, after, shift.get(name, 0.0))
        for offset, name in enumerate(("tvl_usd", "volume_usd"))
    }
    return [
        {name: values[index] for name, values in columns.items()} for index in range(before + after)
    ]
