from __future__ import annotations

import pytest

from dexwatch.streams.incidents.recent_incidents import RecentIncidents, with_link
from tests.sinks.incidents import incident


def test_keeps_the_latest_version_and_drops_the_oldest_incident_beyond_the_limit() -> None:
    recent = RecentIncidents(limit=2)
    a1, a2, b1, c1 = incident(1, 1), incident(1, 2), incident(2, 1), incident(3, 1)
    recent.add(a1)
    recent.add(a2)
    recent.add(a1)  # re-sent after a crash: does not hide version 2
    assert recent.get(a1.incident_id) == a2
    recent.add(b1)
    recent.add(c1)
    assert recent.get(a1.incident_id) is None
    assert (recent.get(b1.incident_id), recent.get(c1.incident_id)) == (b1, c1)


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RecentIncidents(limit=0)


def test_a_link_is_added_only_with_a_public_url() -> None:
    opened = incident(1)
    assert with_link(opened, None) is opened
    linked = with_link(opened, "http://dexwatch-0.internal:6066/")
    assert linked.link == f"http://dexwatch-0.internal:6066/incidents/{opened.incident_id}"
