"""The incident state survives a round trip through its bytes at any point, and a state this
version cannot read is refused, not guessed at."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dexwatch.schemas import IncidentEvent
from dexwatch.schemas.errors import StateFormatError
from dexwatch.streams.incidents.book import IncidentBook
from dexwatch.streams.incidents.state import AlertState, decode_state, encode_state
from tests.streams.incidents.anomalies import START, STEP, anomaly, pool
from tests.streams.incidents.books import dataset

POOLS = [
    pool("0xa", "CRV-WETH"),
    pool("0xb", "WBTC-WETH", dex="sushiswap"),
    pool("0xc", "DAI-USDC"),
]
DATASET = dataset(
    relate_by=["token"], resolve_after="10m", confirm={"n": 1, "m": 2}, cooldown="15m"
)

# One step: anomalies of some pools in the window `offset` steps on, and a watermark move.
steps = st.lists(
    st.tuples(
        st.sets(st.sampled_from(range(len(POOLS)))),
        st.integers(0, 4),
        st.integers(40, 100),
        st.booleans(),
    ),
    max_size=12,
)


def run(plan: list[tuple[set[int], int, int, bool]], round_trip: bool) -> list[IncidentEvent]:
    book = IncidentBook(DATASET)
    events: list[IncidentEvent] = []
    window, now = 0, 0.0
    for pools, offset, severity, move_watermark in plan:
        window += offset
        for index in sorted(pools):
            book.add_anomaly(anomaly(POOLS[index], START + window * STEP, severity=severity), now)
        if move_watermark:
            book.observe_watermark(START + (window + 1) * STEP)
        now += 3.0
        book.advance(now)
        events += book.take_result().events
        if round_trip:
            book = IncidentBook(DATASET, decode_state(encode_state(book.state)))
    return events


@settings(max_examples=60, deadline=None)
@given(steps)
def test_a_round_trip_at_every_step_changes_nothing(
    plan: list[tuple[set[int], int, int, bool]],
) -> None:
    assert run(plan, round_trip=True) == run(plan, round_trip=False)


def test_a_state_holds_incidents_offsets_and_history() -> None:
    book = IncidentBook(DATASET)
    book.add_anomaly(anomaly(POOLS[0]), 0.0)
    book.advance(3.0)
    state = decode_state(encode_state(book.state))
    assert state == book.state
    assert [len(r.contributors) for r in state.incidents] == [2]
    assert state.clock == START + STEP
    assert state.anomalous_windows


def test_an_unknown_or_broken_state_is_refused() -> None:
    good = orjson.loads(encode_state(AlertState(dataset="pools")))
    with pytest.raises(StateFormatError, match="format_version 3; this worker reads 1 and 2"):
        decode_state(orjson.dumps({**good, "format_version": 3}))
    with pytest.raises(StateFormatError, match="not JSON"):
        decode_state(b"\x80pickle")
    with pytest.raises(StateFormatError, match="clock"):
        decode_state(orjson.dumps({**good, "clock": "yesterday"}))
    assert decode_state(orjson.dumps(good)).clock is None


def test_a_state_of_the_previous_version_is_read_and_written_as_the_current_one() -> None:
    book = IncidentBook(DATASET)
    book.add_anomaly(anomaly(POOLS[0], START), 0.0)
    book.advance(10.0)
    previous = orjson.loads(encode_state(book.state))
    del previous["bands"]  # what a worker of format 1 wrote
    previous["format_version"] = 1
    state = decode_state(orjson.dumps(previous))
    assert state.format_version == 2
    assert state.bands == {}
    assert [r.incident_id for r in state.incidents] == [r.incident_id for r in book.state.incidents]
    assert orjson.loads(encode_state(state))["format_version"] == 2
