"""Inputs applied in batches (`apply` then one `settle`) do what the same inputs do one by one
(`handle`): the same versions, the same state; the state is encoded and written once a batch."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dexwatch.schemas import FeedbackEvent, FeedbackTarget, IncidentEvent, encode, feedback_id
from dexwatch.schemas.feedback import FeedbackVerdict
from dexwatch.streams.incidents.book import IncidentBook
from dexwatch.streams.incidents.inputs import InputKind, Tick
from dexwatch.streams.incidents.limits import IncidentLimits
from dexwatch.streams.incidents.runner import IncidentRunner
from dexwatch.streams.incidents.state import AlertState, decode_state, encode_state
from dexwatch.streams.metrics import WorkerMetrics
from tests.streams.incidents.anomalies import START, STEP, anomaly, pool
from tests.streams.incidents.books import dataset

# Small bounds, so that a few inputs reach every one of them (the state budget excepted: it is
# applied when a state is settled, so a batch sheds once where inputs one by one shed each time).
LIMITS = IncidentLimits(
    max_pending_anomalies=4,
    max_open_incidents=2,
    max_tracked_contributors=3,
    max_confirmation_series=5,
    max_feedback_offsets=3,
)
POOLS = [pool(f"0x{i:02x}", pair, dex) for i, (pair, dex) in enumerate(
    [("A-WETH", "uni"), ("B-WETH", "sushi"), ("C-USDC", "uni"), ("D-USDC", "curve"),
     ("E-F", "curve"), ("G-H", "balancer"), ("I-J", "balancer")]
)]  # fmt: skip

Input = tuple[InputKind, bytes, float]


def _feedback(target: int, verdict: FeedbackVerdict, at: int) -> bytes:
    given_at = START + at * STEP
    return encode(
        FeedbackEvent(
            feedback_id=feedback_id("some-incident", verdict, given_at.isoformat()),
            incident_id="some-incident",
            dataset="pools",
            verdict=verdict,
            targets=[FeedbackTarget(series=anomaly(POOLS[target]).series, measure="volume_usd")],
            given_at=given_at,
        )
    )


_anomaly = st.builds(
    lambda series, interval, severity: (
        "anomaly",
        encode(anomaly(POOLS[series], START + interval * STEP, severity=severity)),
    ),
    st.integers(0, len(POOLS) - 1),
    st.integers(0, 5),
    st.integers(0, 100),
)
_tick = st.builds(
    lambda interval: ("tick", encode(Tick(watermark=START + interval * STEP))),
    st.integers(0, 8),
)
_feedbacks = st.builds(
    lambda target, verdict, at: ("feedback", _feedback(target, verdict, at)),
    st.integers(0, len(POOLS) - 1),
    st.sampled_from(["relevant", "not_relevant"]),
    st.integers(0, 3),
)
_broken = st.just(("anomaly", b"not json"))
_step = st.tuples(st.one_of(_anomaly, _anomaly, _tick, _feedbacks, _broken), st.floats(0, 1.5))


@st.composite
def _inputs(draw: Any) -> list[Input]:
    """Inputs with a wall clock that moves on (so group waits end) as they arrive."""
    now, inputs = 0.0, []
    for (kind, payload), later in draw(st.lists(_step, min_size=1, max_size=40)):
        now += later
        inputs.append((kind, payload, now))
    return inputs


def _one_by_one(
    runner: IncidentRunner, inputs: list[Input]
) -> tuple[list[IncidentEvent], bytes | None]:
    stored, events = None, []
    for kind, payload, now in inputs:
        handled = runner.handle("pools", kind, payload, stored, 0, now)
        events += handled.events
        stored = handled.state or stored
    return events, stored


def _batched(
    runner: IncidentRunner, inputs: list[Input], cuts: list[int]
) -> tuple[list[IncidentEvent], bytes | None]:
    stored, events = None, []
    bounds = sorted({0, *(cut % (len(inputs) + 1) for cut in cuts), len(inputs)})
    for first, last in itertools.pairwise(bounds):
        for kind, payload, now in inputs[first:last]:
            events += runner.apply("pools", kind, payload, stored, 0, now)
        stored = runner.settle("pools", inputs[last - 1][2]) or stored
    return events, stored


def _unclocked(stored: bytes | None) -> AlertState:
    """The state stored, its clock aside (nothing stored: a new one)."""
    state = AlertState(dataset="pools") if stored is None else decode_state(stored)
    return state.model_copy(update={"clock": None})


def _drained(runner: IncidentRunner, stored: bytes | None, now: float) -> list[IncidentEvent]:
    """The versions once every wait is over and every incident quiet: what the state holds."""
    tick = encode(Tick(watermark=START + 40 * STEP))
    return runner.handle("pools", "tick", tick, stored, 0, now + 1e5).events


@settings(max_examples=150, deadline=None)
@given(
    inputs=_inputs(),
    cuts=st.lists(st.integers(0, 40), max_size=6),
    group_wait=st.sampled_from(["0s", "2s"]),
)
def test_a_batch_sends_and_keeps_what_inputs_one_by_one_do(
    inputs: list[Input], cuts: list[int], group_wait: str
) -> None:
    config = dataset(group_wait=group_wait, resolve_after="10m", confirm={"n": 1, "m": 2})
    single = IncidentRunner([config], WorkerMetrics(), LIMITS)
    batch = IncidentRunner([config], WorkerMetrics(), LIMITS)
    single_events, single_stored = _one_by_one(single, inputs)
    batch_events, batch_stored = _batched(batch, inputs, cuts)
    assert [encode(e) for e in batch_events] == [encode(e) for e in single_events]
    # The same state stored, clock aside: a clock that moved alone is not written, and a batch
    # whose inputs changed the state and then changed it back writes nothing.
    assert _unclocked(batch_stored) == _unclocked(single_stored)
    now = inputs[-1][2]
    drained = _drained(batch, batch_stored, now)
    assert [encode(e) for e in drained] == [encode(e) for e in _drained(single, single_stored, now)]


def test_a_batch_is_encoded_and_written_once(monkeypatch: pytest.MonkeyPatch) -> None:
    encodes: list[int] = []

    def counted(state: AlertState) -> bytes:
        encodes.append(1)
        return encode_state(state)

    monkeypatch.setattr("dexwatch.streams.incidents.runner.encode_state", counted)
    runner = IncidentRunner([dataset()], WorkerMetrics())
    for index, some in enumerate(POOLS):
        assert runner.apply("pools", "anomaly", encode(anomaly(some)), None, 0, index / 10) == []
    assert len(encodes) == 1  # once, when the state read is compared to what it becomes
    encodes.clear()
    stored = runner.settle("pools", 1.0)
    assert stored is not None
    assert len(decode_state(stored).pending[0].anomalies) == len(POOLS)
    assert len(encodes) == 2  # without the clock (did more change?), then the state to write
    tick = encode(Tick(watermark=START))
    runner.apply("pools", "tick", tick, stored, 0, 1.5)
    assert runner.settle("pools", 1.5) is None  # only the clock moved: nothing to write
    [opened] = runner.apply("pools", "tick", tick, stored, 0, 3.0)  # the group wait is over
    assert opened.status == "open"
    assert runner.settle("pools", 3.0) is not None


def test_a_failed_input_leaves_the_batch_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: IncidentBook, feedback: FeedbackEvent) -> None:
        self.state.feedback_ids.append("half-done")
        raise RuntimeError("a bug")

    monkeypatch.setattr(IncidentBook, "add_feedback", broken)
    runner = IncidentRunner([dataset()], WorkerMetrics())
    stored = runner.handle("pools", "anomaly", encode(anomaly(POOLS[0])), None, 0, 0.0).state
    runner.apply("pools", "anomaly", encode(anomaly(POOLS[1])), stored, 0, 0.1)
    with pytest.raises(RuntimeError, match="a bug"):
        runner.apply("pools", "feedback", _feedback(0, "relevant", 0), stored, 0, 0.2)
    runner.apply("pools", "anomaly", encode(anomaly(POOLS[2])), stored, 0, 0.3)
    state = decode_state(runner.settle("pools", 0.3) or b"")
    assert state.feedback_ids == []
    assert [a.series for a in state.pending[0].anomalies] == [
        anomaly(some).series for some in POOLS[:3]
    ]


def test_an_input_whose_versions_were_not_sent_is_retracted() -> None:
    runner = IncidentRunner([dataset(group_wait="0s")], WorkerMetrics())
    stored = runner.handle("pools", "anomaly", encode(anomaly(POOLS[0])), None, 0, 0.0).state
    stronger = encode(anomaly(POOLS[0], START + STEP, severity=95))  # news: a new version
    [update] = runner.apply("pools", "anomaly", stronger, stored, 0, 1)
    assert update.version == 2
    runner.retract("pools")  # the agent could not send it
    assert runner.settle("pools", 1.0) is None  # back to the stored state
    [again] = runner.apply("pools", "anomaly", stronger, stored, 0, 2)
    assert again.version == 2


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(POOLS) - 1), st.integers(0, 2), st.integers(0, 100))))
def test_the_heap_of_the_weakest_kept_across_inputs_drops_the_same_ones(
    arrivals: list[tuple[int, int, int]],
) -> None:
    """The book keeps its heap of the weakest pending anomalies from one input to the next (a
    burst must not rebuild it each time); it drops what a heap built afresh would."""
    kept, rebuilt = (IncidentBook(dataset(), limits=LIMITS) for _ in range(2))
    for series, interval, severity in arrivals:
        event = anomaly(POOLS[series], START + interval * STEP, severity=severity)
        for book in (kept, rebuilt):
            book.add_anomaly(event, 0.0)
            book.advance(1.0)
        rebuilt = IncidentBook(rebuilt.dataset, rebuilt.state, LIMITS)  # no heap yet
    assert kept.state == rebuilt.state
