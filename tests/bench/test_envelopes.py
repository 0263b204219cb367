"""Batch envelopes for the pipeline benchmark: Kafka's murmur2 and partition-stable grouping."""

from __future__ import annotations

import orjson
import pytest

from bench.envelopes import envelopes, murmur2, partition_for


@pytest.mark.parametrize(
    ("text", "expected"),
    [  # Apache Kafka's own test vectors (UtilsTest.testMurmur2)
        ("21", -973932308),
        ("foobar", -790332482),
        ("a-little-bit-long-string", -985981536),
        ("a-little-bit-longer-string", -1486304829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        ("abc", 479470107),
    ],
)
def test_murmur2_matches_kafka(text: str, expected: int) -> None:
    assert murmur2(text.encode()) == expected


def test_every_event_shares_its_envelope_key_partition_and_order_is_kept() -> None:
    keys = [f"pool={index}".encode() for index in range(50)]
    events = [(keys[step % 50], {"series": step % 50, "step": step}) for step in range(1000)]
    records = list(envelopes(events, partitions=8, size=7))

    seen: list[dict[str, int]] = []
    for key, partition, value in records:
        items = orjson.loads(value)
        assert 1 <= len(items) <= 7
        assert partition == partition_for(key, 8)
        for item in items:
            assert partition_for(keys[item["series"]], 8) == partition
        seen += items
    assert sorted(item["step"] for item in seen) == list(range(1000))
    for series in range(50):
        steps = [item["step"] for item in seen if item["series"] == series]
        assert steps == sorted(steps)


def test_an_envelope_holds_at_least_one_event() -> None:
    with pytest.raises(ValueError, match="at least one"):
        list(envelopes([(b"k", {})], partitions=8, size=0))
