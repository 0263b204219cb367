"""The latest version of the incidents this worker sent, for its `/incidents/<id>` page.

Bounded (the oldest drop out first): the page answers for recent incidents, which is what a
link in a Slack message is followed for. A worker knows only the incidents of the datasets
whose partitions it holds; after a rebalance another worker sends (and serves) their updates.
"""

from __future__ import annotations

from collections import OrderedDict

from dexwatch.schemas.incident import IncidentEvent

__all__ = ["RecentIncidents", "with_link"]


class RecentIncidents:
    def __init__(self, limit: int = 1_000) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        self.limit = limit
        self._latest: OrderedDict[str, IncidentEvent] = OrderedDict()

    def add(self, incident: IncidentEvent) -> None:
        held = self._latest.get(incident.incident_id)
        if held is not None and held.version > incident.version:
            return  # a re-sent older version (after a crash) does not hide the newer one
        self._latest[incident.incident_id] = incident
        self._latest.move_to_end(incident.incident_id)
        while len(self._latest) > self.limit:
            self._latest.popitem(last=False)

    def get(self, incident_id: str) -> IncidentEvent | None:
        return self._latest.get(incident_id)


def with_link(incident: IncidentEvent, public_url: str | None) -> IncidentEvent:
    """The incident with `link` to its page on this worker (unchanged without a public URL)."""
    if public_url is None:
        return incident
    return incident.model_copy(
        update={"link": f"{public_url.rstrip('/')}/incidents/{incident.incident_id}"}
    )
