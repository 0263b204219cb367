"""A few earlier snapshots of one series' model: what a rollback restores.

The worker snapshots its models on a schedule anyway (for restarts); keeping the last K of
them per series, with when they were taken and how many points the model had seen, is what
makes a rollback possible. Bounded: adding the K+1-th snapshot drops the oldest.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

__all__ = ["ModelSnapshot", "SnapshotHistory"]


@dataclass(frozen=True, slots=True)
class ModelSnapshot:
    """A model's `to_state()` bytes, when they were taken (Unix seconds), and its points seen."""

    state: bytes
    taken_at: float
    points_seen: int


class SnapshotHistory:
    """The last `keep` snapshots of one series' model, oldest first."""

    def __init__(self, keep: int = 3) -> None:
        if keep < 1:
            raise ValueError(f"keep must be at least 1, got {keep}")
        self.keep = keep
        self._snapshots: deque[ModelSnapshot] = deque(maxlen=keep)

    def __len__(self) -> int:
        return len(self._snapshots)

    def add(self, state: bytes, taken_at: float, points_seen: int) -> None:
        """Keep a snapshot, dropping the oldest when `keep` are already held."""
        self._snapshots.append(ModelSnapshot(bytes(state), float(taken_at), int(points_seen)))

    def snapshots(self) -> tuple[ModelSnapshot, ...]:
        return tuple(self._snapshots)

    def newest_before(self, points_seen: int) -> ModelSnapshot | None:
        """The newest snapshot of a model that had seen fewer than `points_seen` points."""
        for snapshot in reversed(self._snapshots):
            if snapshot.points_seen < points_seen:
                return snapshot
        return None

    def drop_after(self, points_seen: int) -> None:
        """Forget snapshots of a model that had seen more than `points_seen` points.

        After a rollback they belong to a history the series no longer has.
        """
        kept = [snapshot for snapshot in self._snapshots if snapshot.points_seen <= points_seen]
        self._snapshots = deque(kept, maxlen=self.keep)
