"""The names of the snapshot tables (their changelog topics: `messaging.topics.changelog_topic`).

The worker creates the changelog topics itself before faust subscribes: faust ignores a topic
created as it subscribes until its next metadata refresh (minutes), and a table that sees its
changelog with 0 partitions refuses every write (`PartitionsMismatch`), stopping the agent.
"""

from __future__ import annotations

__all__ = ["snapshot_table_name"]


def snapshot_table_name(index: int) -> str:
    """The snapshot table of the worker's `index`-th input topic."""
    return f"model-snapshots-{index}"
