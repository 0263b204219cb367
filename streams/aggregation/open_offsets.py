"""The first source offset, per partition, of the records a re-read would need.

The worker commits no partition past the oldest record it still holds in an open interval
(`streams/engine/commit_marks`): after a crash or a rebalance those records are read again and their
intervals rebuilt, instead of being lost with the process. Each series closes its intervals at
its own time, while a commit mark vouches for one watermark per dataset (the lowest of its
series, `IntervalAggregator.watermark_us`): a closed interval ending after that watermark is
not vouched for, so a re-read would aggregate it again, and must then read all of it. Such an
interval keeps holding its first offsets until the dataset's watermark passes its end.

Open buckets are kept per partition in the order of their first offset (records come in
offset order, so that is the order they are opened in: closing one is a dict deletion and the
hold is the first entry; after a hole read back out of order, the partition's entries are
sorted again when the holds are next asked for); closed buckets not yet vouched for are kept per
interval end (a handful: the ends between the dataset's watermark and the newest close).
"""

from __future__ import annotations

from collections.abc import Collection

from dexwatch.streams.intake.records import Partition

__all__ = ["BucketKey", "OpenOffsets"]

BucketKey = tuple[str, int]  # (series, interval start in µs)


class OpenOffsets:
    def __init__(self) -> None:
        self._firsts: dict[BucketKey, dict[Partition, int]] = {}
        # Per partition, its open buckets' first offsets, ascending unless in `_unordered`.
        self._opened: dict[Partition, dict[BucketKey, int]] = {}
        self._unordered: set[Partition] = set()
        self._unvouched: dict[int, dict[Partition, int]] = {}  # interval end -> firsts

    def add(self, key: BucketKey, where: Partition, offset: int) -> None:
        firsts = self._firsts.get(key)
        if firsts is None:
            firsts = self._firsts[key] = {}
        first = firsts.get(where)
        if first is not None and offset >= first:
            return
        firsts[where] = offset
        opened = self._opened.get(where)
        if opened is None:
            opened = self._opened[where] = {}
        if first is not None or (opened and offset < next(reversed(opened.values()))):
            self._unordered.add(where)  # a hole read back comes after later records
        opened[key] = offset

    def close(self, key: BucketKey, end_us: int) -> None:
        """The bucket closed: it holds its offsets until a mark vouches for `end_us`."""
        firsts = self.discard(key)
        if not firsts:
            return
        held = self._unvouched.get(end_us)
        if held is None:
            held = self._unvouched[end_us] = {}
        for where, offset in firsts.items():
            if offset < held.get(where, offset + 1):
                held[where] = offset

    def discard(self, key: BucketKey) -> dict[Partition, int] | None:
        """The bucket is gone (dropped unscored: its partition was revoked); its firsts."""
        firsts = self._firsts.pop(key, None)
        if firsts:
            for where in firsts:
                opened = self._opened[where]
                del opened[key]
                if not opened:
                    del self._opened[where]
                    self._unordered.discard(where)
        return firsts

    def forget(self, partitions: Collection[Partition]) -> None:
        """Revoked partitions hold nothing here any more."""
        for end in list(self._unvouched):
            held = self._unvouched[end]
            for where in partitions:
                held.pop(where, None)
            if not held:
                del self._unvouched[end]

    def release(self, vouched_us: int | None) -> None:
        """Let go the closed buckets ending by `vouched_us` (a mark now vouches for them)."""
        if vouched_us is not None:
            for end in [end for end in self._unvouched if end <= vouched_us]:
                del self._unvouched[end]

    def firsts(self, vouched_us: int | None) -> dict[Partition, int]:
        """The lowest held offset per partition: over every open bucket, and every closed one
        ending after `vouched_us` (the watermark the commit marks write; those ending by it
        are let go)."""
        lowest: dict[Partition, int] = {}
        for where in self._unordered:  # in order again, once
            opened = self._opened[where]
            self._opened[where] = dict(sorted(opened.items(), key=lambda item: item[1]))
        self._unordered.clear()
        for where, opened in self._opened.items():
            lowest[where] = next(iter(opened.values()))
        self.release(vouched_us)
        for held in self._unvouched.values():
            for where, offset in held.items():
                if offset < lowest.get(where, offset + 1):
                    lowest[where] = offset
        return lowest
