from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dexwatch.streams.intake.batch_chunks import chunks_by_size
from dexwatch.streams.intake.records import ConsumedRecord


def records(sizes: list[int]) -> list[ConsumedRecord]:
    return [
        ConsumedRecord("metrics", 0, offset, None, b"x" * size) for offset, size in enumerate(sizes)
    ]


def test_records_are_cut_where_the_next_would_pass_the_limit() -> None:
    chunks = list(chunks_by_size(records([40, 40, 30, 50, 200, 10]), max_bytes=100))
    assert [[len(r.value) for r in chunk] for chunk in chunks] == [
        [40, 40],
        [30, 50],
        [200],  # larger than the limit: alone
        [10],
    ]


def test_nothing_in_nothing_out() -> None:
    assert list(chunks_by_size([], max_bytes=100)) == []


@given(st.lists(st.integers(0, 300), max_size=60), st.integers(1, 400))
def test_chunks_keep_every_record_in_order_within_the_limit(sizes: list[int], limit: int) -> None:
    batch = records(sizes)
    chunks = list(chunks_by_size(batch, max_bytes=limit))
    assert [record for chunk in chunks for record in chunk] == batch
    for chunk in chunks:
        assert chunk
        assert len(chunk) == 1 or sum(len(record.value) for record in chunk) <= limit
