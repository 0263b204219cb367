"""Incidents: related anomalies grouped, their lifecycle, silences and feedback (docs/alerts.md).

The logic (`IncidentBook` and one module per concept) is plain Python, free of Kafka and faust
(`lookup.py`, which reads the alerts topic for `dexwatch feedback`, is imported by name);
`install_incidents` (`streams/engine/faust/incident_agents.py`) wires it into the worker's
faust app.
"""

from dexwatch.schemas.incident_text import describe_incident
from dexwatch.streams.incidents.book import SUPPRESSION_REASONS, BookResult, IncidentBook
from dexwatch.streams.incidents.limits import DEFAULT_LIMITS, LIMIT_NAMES, IncidentLimits
from dexwatch.streams.incidents.runner import IncidentRunner
from dexwatch.streams.incidents.state import AlertState, decode_state, encode_state

__all__ = [
    "DEFAULT_LIMITS",
    "LIMIT_NAMES",
    "SUPPRESSION_REASONS",
    "AlertState",
    "BookResult",
    "IncidentBook",
    "IncidentLimits",
    "IncidentRunner",
    "decode_state",
    "describe_incident",
    "encode_state",
]
