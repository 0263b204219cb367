"""N-of-M confirmation against counting by hand."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dexwatch.streams.datasets.alerting_config import ConfirmationConfig
from dexwatch.streams.incidents.confirmation import Confirmation


@given(
    st.integers(1, 4).flatmap(lambda m: st.tuples(st.integers(1, m), st.just(m))),
    st.lists(st.integers(0, 3), max_size=40),
)
def test_a_series_is_confirmed_when_n_of_its_last_m_windows_were_anomalous(
    n_of_m: tuple[int, int], gaps: list[int]
) -> None:
    n, m = n_of_m
    confirmation = Confirmation(ConfirmationConfig(n=n, m=m), {})
    seen: list[int] = []
    window = 0
    for gap in gaps:
        window += gap
        seen.append(window)
        expected = len({w for w in seen if window - m < w <= window}) >= n
        assert confirmation.record("s", window) == expected
        assert len(confirmation.windows["s"]) <= m


def test_a_late_window_counts_and_old_ones_are_forgotten() -> None:
    confirmation = Confirmation(ConfirmationConfig(n=2, m=3), {})
    for window in (10, 11, 12):
        confirmation.record("s", window)
    assert confirmation.record("s", 9) is False  # 10..12 are after it, 7..9 had only itself
    confirmation.forget_before(20)
    assert confirmation.windows == {}
