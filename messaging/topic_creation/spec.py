"""`TopicSpec`: one topic a command needs, as it would be created."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TopicSpec"]


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    compacted: bool = False  # `cleanup.policy=compact`: a table's changelog (latest per key)

    def describe(self) -> str:
        compaction = ", cleanup.policy=compact" if self.compacted else ""
        return f"{self.name} ({self.partitions} partitions{compaction})"

    def config(self) -> dict[str, str]:
        return {"cleanup.policy": "compact"} if self.compacted else {}
