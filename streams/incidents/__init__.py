"""Incidents: related anomalies grouped, their lifecycle, silences and feedback (docs/alerts.md).

The logic (`IncidentBook` and one module per concept) is plain Python, free of Kafka and faust;
`install_incidents` wires it into the worker's faust app.
"""

from dexwatch.streams.incidents.faust_incidents import install_incidents
from dexwatch.streams.incidents.incident_book import SUPPRESSION_REASONS, BookResult, IncidentBook
from dexwatch.streams.incidents.incident_limits import DEFAULT_LIMITS, LIMIT_NAMES, IncidentLimits
from dexwatch.streams.incidents.incident_lookup import IncidentNotFoundError, find_incident
from dexwatch.streams.incidents.incident_runner import IncidentRunner
from dexwatch.streams.incidents.incident_state import AlertState, decode_state, encode_state
from dexwatch.streams.incidents.incident_text import describe_incident

__all__ = [
    "DEFAULT_LIMITS",
    "LIMIT_NAMES",
    "SUPPRESSION_REASONS",
    "AlertState",
    "BookResult",
    "IncidentBook",
    "IncidentLimits",
    "IncidentNotFoundError",
    "IncidentRunner",
    "decode_state",
    "describe_incident",
    "encode_state",
    "find_incident",
    "install_incidents",
]
