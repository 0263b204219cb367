"""A stablecoin depeg shaped like USDC's SVB depeg, for the incident tests: 15-minute prices,
a flat peg with noise of a few hundredths of a cent, a fall within an hour to 0.88..0.92 for
two days, then the peg again."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

__all__ = ["BACK", "CALM", "ONSET", "OUT", "RETURN", "START", "STEP", "depeg_prices"]

START = datetime(2023, 3, 1, tzinfo=UTC)
STEP = timedelta(minutes=15)
CALM, OUT, BACK = 400, 192, 60  # points: four days of peg, two days out, fifteen hours back
ONSET = START + CALM * STEP
RETURN = ONSET + OUT * STEP  # the first interval back inside the peg's band


def depeg_prices(seed: int = 13) -> list[float]:
    """The prices, one per interval from `START`."""
    rng = random.Random(seed)
    calm = [1.0 + rng.uniform(-2e-4, 2e-4) for _ in range(CALM)]
    fall = [0.985, 0.95, 0.92, 0.905]
    out = [0.90 + rng.uniform(-0.02, 0.02) for _ in range(OUT - len(fall))]
    back = [1.0 + rng.uniform(-2e-4, 2e-4) for _ in range(BACK)]
    return calm + fall + out + back
