"""The console: an embedded store of anomalies, incidents, scores, model actions and feedback
read from the topics, served as an HTTP API (and a page). See docs/console.md.

Not needed for detection or delivery. It imports `schemas`, the Kafka connection and the
worker's topic settings, never the worker's internals.
"""

from dexwatch.console.errors import BadParameter, ConsoleError, NotFound
from dexwatch.console.metrics import ConsoleMetrics
from dexwatch.console.service import ConsoleService
from dexwatch.console.settings import ConsoleSettings
from dexwatch.console.store.console_store import ConsoleStore
from dexwatch.console.topics import ConsoleTopics

__all__ = [
    "BadParameter",
    "ConsoleError",
    "ConsoleMetrics",
    "ConsoleService",
    "ConsoleSettings",
    "ConsoleStore",
    "ConsoleTopics",
    "NotFound",
]
