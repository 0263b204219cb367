import math

import pytest

from dexwatch.schemas.epoch_time import epoch_seconds_by_magnitude, epoch_unit_by_magnitude

JULY_2014 = 1_404_172_800


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        (JULY_2014, "s"),
        (JULY_2014 * 1_000 + 123, "ms"),
        (JULY_2014 * 1_000_000, "us"),
        (JULY_2014 * 1_000_000_000, "ns"),
        (0, "s"),
        (-JULY_2014, "s"),
    ],
)
def test_unit_is_read_from_the_magnitude(value: int, unit: str) -> None:
    seconds, found = epoch_seconds_by_magnitude(value)
    assert found == unit
    assert seconds == pytest.approx(value / {"s": 1, "ms": 1e3, "us": 1e6, "ns": 1e9}[unit])


def test_bounds_are_exclusive_upper_limits() -> None:
    assert epoch_unit_by_magnitude(99_999_999_999) == "s"
    assert epoch_unit_by_magnitude(1e11) == "ms"
    assert epoch_unit_by_magnitude(1e14) == "us"
    assert epoch_unit_by_magnitude(1e17) == "ns"
    assert epoch_unit_by_magnitude(-1e11) == "ms"


def test_milliseconds_keep_their_fraction() -> None:
    assert epoch_seconds_by_magnitude(1_404_172_800_123) == (1_404_172_800.123, "ms")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_refused(value: float) -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        epoch_seconds_by_magnitude(value)
