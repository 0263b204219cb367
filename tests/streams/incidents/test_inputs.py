"""The kind of an incident input, from its header."""

from __future__ import annotations

from dexwatch.streams.incidents.inputs import (
    INPUT_HEADER,
    incident_inputs_topic,
    incident_state_changelog,
    input_headers,
    input_kind,
)


def test_the_kind_comes_from_the_header_whatever_shape_headers_have() -> None:
    assert input_kind(input_headers("tick")) == "tick"
    assert input_kind({INPUT_HEADER: b"feedback"}) == "feedback"
    assert input_kind([("other", b"x"), (INPUT_HEADER, b"anomaly")]) == "anomaly"
    assert input_kind([(INPUT_HEADER, b"pickle")]) is None
    assert input_kind(None) is None
    assert input_kind([]) is None


def test_internal_topic_names_follow_the_application() -> None:
    assert incident_inputs_topic("dexwatch") == "dexwatch-incident-inputs"
    assert incident_state_changelog("dexwatch") == "dexwatch-incident-state-changelog"
