"""Feedback offsets: a step per verdict, bounded, halving every half-life of event time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dexwatch.streams.datasets.alerting_config import FeedbackConfig
from dexwatch.streams.incidents.feedback_book import FeedbackBook
from tests.streams.incidents.anomalies import START

CONFIG = FeedbackConfig(step=60, max_offset=100, half_life="1d")


@given(
    st.lists(
        st.tuples(st.sampled_from(["relevant", "not_relevant"]), st.integers(0, 48)), max_size=30
    )
)
def test_the_offset_stays_within_its_bound(verdicts: list[tuple[str, int]]) -> None:
    book = FeedbackBook(CONFIG, {})
    at = START
    for verdict, hours in verdicts:
        at += timedelta(hours=hours)
        offset = book.apply(verdict, "t", at)  # type: ignore[arg-type]
        assert -100 <= offset <= 100
        assert book.offset("t", at) == offset


def test_a_verdict_steps_and_then_halves_every_half_life() -> None:
    book = FeedbackBook(CONFIG, {})
    assert book.offset("t", START) == 0.0
    assert book.apply("not_relevant", "t", START) == 60
    assert book.offset("t", START + timedelta(days=1)) == pytest.approx(30)
    assert book.offset("t", START + timedelta(days=2)) == pytest.approx(15)
    assert book.offset("t", START - timedelta(days=1)) == 60  # never grows backwards
    assert book.apply("not_relevant", "t", START) == 100  # bounded
    assert book.apply("relevant", "t", START) == 40
    assert book.apply("relevant", "t", START) == -20
    assert book.offset("other", START) == 0.0


def test_a_worn_off_offset_is_forgotten() -> None:
    book = FeedbackBook(CONFIG, {})
    book.apply("relevant", "t", START)
    book.forget_negligible(START + timedelta(days=6))  # 60 / 64 > 0.5
    assert "t" in book.offsets
    book.forget_negligible(START + timedelta(days=7))  # 60 / 128 < 0.5
    assert book.offsets == {}
