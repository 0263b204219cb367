"""The engine seam: what the worker needs from a stream engine, and the order of a commit.

The stages (intake, aggregation, scoring, drift, incidents, snapshots) know no engine; the
worker's composition wires them to an `Engine`: batches of consumed records, rebalance steps
in a stated order, sends, changelog-backed stores, timers and web routes. A `Checkpoint`
commits in numbered steps. The one implementation is faust's (`streams/engine/faust/`, whose
README lists the faust bugs it works around); another engine is another folder beside it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from dexwatch.streams.intake.records import ConsumedRecord, OutputRecord, Partition
from dexwatch.streams.snapshots.store import PartitionedSnapshotStore

__all__ = [
    "BatchHandler",
    "ChangelogStore",
    "Checkpoint",
    "Engine",
    "RebalanceStep",
    "Route",
    "Timer",
    "WebResponse",
]

# Partitions just assigned or about to be revoked. Steps run one after another, in the order
# they were given, each awaited before the next (the order is part of the contract).
RebalanceStep = Callable[[set[Partition]], Awaitable[None]]
Timer = Callable[[], Awaitable[None]]


class BatchHandler(Protocol):
    async def __call__(self, records: Sequence[ConsumedRecord], /) -> None:
        """Records of one or more partitions, each partition's in offset order. The engine
        acknowledges them (and may commit past them) only once this returns."""


@dataclass(frozen=True, slots=True)
class WebResponse:
    body: bytes
    content_type: str = "application/json"
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


# A page: the path's parameters (`/incidents/{incident_id}`) -> the response.
Route = Callable[[Mapping[str, str]], Awaitable[WebResponse]]


class ChangelogStore(PartitionedSnapshotStore, Protocol):
    """A partitioned key-value store backed by a changelog topic, restored from it on start
    (the model snapshots: per series key, its last few snapshots)."""

    def flush_dirty_with(self, flush: Callable[[Collection[int] | None], int]) -> None:
        """`flush(source_partitions)` writes the dirty entries of those partitions (None: all)
        and says how many; the store calls it on revocation and when it stops."""

    async def flush_revoked(self, partitions: set[Partition]) -> None:
        """Write the dirty entries of revoked source partitions and wait for their changelog
        records, before the partitions' next owner restores them."""


class Engine(Protocol):
    """Declared before the engine starts; the engine calls back while it runs."""

    def consume(
        self,
        topics: Sequence[str],
        handle: BatchHandler,
        *,
        name: str,
        max_records: int,
        within_s: float,
    ) -> None:
        """Hand `topics`' records to `handle` in batches of at most `max_records`, a batch
        waiting at most `within_s` for more records (latency at low rates)."""

    def on_assigned(self, *steps: RebalanceStep) -> None:
        """Run `steps`, in this order, with the partitions held after each rebalance."""

    def on_revoked(self, *steps: RebalanceStep) -> None:
        """Run `steps`, in this order, with the partitions revoked, after in-flight batches
        finished and before the partitions are handed over."""

    async def send(self, output: OutputRecord) -> Awaitable[Any]:
        """Hand `output` to the producer; returns what completes once the broker has it."""

    def store(
        self, name: str, *, source_topic: str, partitions: int, history: int
    ) -> ChangelogStore:
        """A changelog-backed store sharded like `source_topic` (`partitions` partitions)."""

    def timer(self, interval_s: float, callback: Timer) -> None:
        """Run `callback` every `interval_s` while the engine runs."""

    def route(self, path: str, page: Route) -> None:
        """Serve `page` at `path` on the worker's web port."""


class Checkpoint(ABC):
    """One commit of the worker's progress: nothing it vouches for may be lost by a crash.

    The engine calls `commit` on its own schedule (faust: every commit interval); an
    implementation supplies the steps, `commit` fixes their order.
    """

    async def commit(self, partitions: Collection[Any]) -> bool:
        """Commit `partitions` (the engine's own handles); whether anything was committed."""
        # 0. Take what this commit may vouch for before anything is flushed: a batch that
        #    finishes during the flush waits for the next commit.
        offsets = self.committable(partitions)
        if not offsets:
            return False
        # 1. Flush outputs: the broker has every output of the records it covers.
        await self.flush_outputs(offsets)
        # 2. Write dirty state: the changelogs hold the state those records changed.
        await self.write_state(offsets)
        # 3. Commit offsets (with what they stand for), once 1 and 2 are done.
        return await self.commit_offsets(offsets)

    @abstractmethod
    def committable(self, partitions: Collection[Any]) -> Mapping[Any, int]:
        """The offset to commit per partition (empty: nothing to commit)."""

    @abstractmethod
    async def flush_outputs(self, offsets: Mapping[Any, int]) -> None: ...

    @abstractmethod
    async def write_state(self, offsets: Mapping[Any, int]) -> None: ...

    @abstractmethod
    async def commit_offsets(self, offsets: Mapping[Any, int]) -> bool: ...
