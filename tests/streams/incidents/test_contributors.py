"""Contributors: one per series-measure, ranked, shares summing to 1."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dexwatch.streams.incidents.contributors import contributors_of, keep_strongest, ranked
from dexwatch.streams.incidents.state import ContributorRecord
from tests.streams.incidents.anomalies import START, anomaly, pool


def record(
    series: str, measure: str | None, severity: int, deviation: float | None
) -> ContributorRecord:
    return ContributorRecord(
        series=series,
        dimensions={"pool": series},
        measure=measure,
        kind="anomaly" if measure else "no_data",
        deviation=deviation,
        severity=severity,
        anomaly_id=f"{series}-{measure}-{severity}",
        interval_start=START,
    )


records = st.lists(
    st.builds(
        record,
        st.sampled_from(["p1", "p2", "p3"]),
        st.sampled_from(["volume_usd", "tx_count", None]),
        st.integers(0, 100),
        st.floats(-1e6, 1e6, allow_nan=False),
    ),
    min_size=1,
    max_size=30,
)


@given(records, st.integers(1, 10))
def test_listed_shares_sum_to_one_largest_first(held: list[ContributorRecord], limit: int) -> None:
    listed = ranked(held, limit)
    assert len(listed) == min(limit, len(held))
    assert sum(c.share for c in listed) == pytest.approx(1.0)
    assert all(0.0 <= c.share <= 1.0 for c in listed)
    assert [c.share for c in listed] == sorted((c.share for c in listed), reverse=True)


@given(records, records, st.integers(1, 10))
def test_one_record_per_series_measure_the_strongest(
    held: list[ContributorRecord], new: list[ContributorRecord], limit: int
) -> None:
    kept = keep_strongest(held, new, limit)
    targets = [r.target for r in kept]
    assert len(targets) == len(set(targets))
    assert len(kept) == min(limit, len({r.target for r in (*held, *new)}))
    for r in (*held, *new):
        same = [k for k in kept if k.target == r.target]
        assert not same or same[0].weight >= r.weight


def test_an_anomaly_gives_one_contributor_per_measure_or_one_for_no_data() -> None:
    moved = contributors_of(anomaly(pool("0x1", "A-B"), moves={"volume_usd": -3.0, "fees": 1.0}))
    assert [(r.measure, r.deviation) for r in moved] == [("volume_usd", -3.0), ("fees", 1.0)]
    assert [r.weight for r in moved] == pytest.approx([2.7, 0.9])
    [silent] = contributors_of(anomaly(pool("0x1", "A-B"), moves={}, severity=100))
    assert (silent.measure, silent.kind, silent.weight) == (None, "no_data", 1.0)


def test_zero_weights_share_equally() -> None:
    listed = ranked([record("p1", "a", 0, 1.0), record("p2", "a", 80, 0.0)], 5)
    assert [c.share for c in listed] == [0.5, 0.5]
