"""A local stand-in for The Graph: a GraphQL server over generated DEX data, with faults.

`python -m tests.thegraph_server --port 8000` serves it by hand; tests run it on a thread with
`RunningServer`. See docs/thegraph-connector.md.
"""

from tests.thegraph_server.app import SUBGRAPHS, TheGraphTestServer
from tests.thegraph_server.control import FAULT_KINDS, Fault, FaultKind, ServerControl
from tests.thegraph_server.dataset import Dataset
from tests.thegraph_server.running import RunningServer

__all__ = [
    "FAULT_KINDS",
    "SUBGRAPHS",
    "Dataset",
    "Fault",
    "FaultKind",
    "RunningServer",
    "ServerControl",
    "TheGraphTestServer",
]
