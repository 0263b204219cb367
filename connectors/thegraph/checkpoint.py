"""The durable checkpoint: where each feed stopped, so a restart neither misses nor floods.

One versioned JSON file, written atomically (a temporary file in the same directory, flushed to
disk, then renamed over the old one) only after the records it covers were acknowledged by
Kafka. A crash before the rename means the last poll is read and emitted again, with the same
event ids; a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dexwatch.connectors.thegraph.block_reader import BlockRef
from dexwatch.connectors.thegraph.errors import CheckpointError
from dexwatch.connectors.thegraph.records import PoolState

__all__ = [
    "CHECKPOINT_VERSION",
    "Checkpoint",
    "CheckpointStore",
    "PoolProgress",
    "SnapshotBaseline",
]

CHECKPOINT_VERSION: Literal[1] = 1


class SnapshotBaseline(BaseModel):
    """A pool's cumulative counters at the last poll: the next poll's deltas start here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timestamp: int = Field(ge=0)
    volume_usd: Decimal
    fees_usd: Decimal
    tx_count: int = Field(ge=0)


class PoolProgress(BaseModel):
    """Where one pool's feeds stopped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    last_hour: int | None = Field(default=None, description="Start of the last hour emitted.")
    state: PoolState | None = Field(default=None, description="Carried over quiet hours.")
    snapshot: SnapshotBaseline | None = None
    # A string: sqrtPriceX96 is a 160-bit integer, beyond what JSON readers hold exactly.
    last_sqrt_price: str | None = Field(default=None, pattern=r"^[0-9]{1,80}$")


class Checkpoint(BaseModel):
    """Everything a restart needs, for one source (chain and dex)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = CHECKPOINT_VERSION
    source: str = Field(min_length=1)
    block: BlockRef | None = Field(default=None, description="The newest block read from.")
    pools: dict[str, PoolProgress] = Field(default_factory=dict)
    transactions_after: int | None = Field(
        default=None, description="Transactions up to this block timestamp were emitted."
    )
    selected_pools: tuple[str, ...] = ()
    selected_at: float | None = None
    budget_month: str | None = None
    budget_used: int = Field(default=0, ge=0)


class CheckpointStore:
    """Loads and saves the checkpoint at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, source: str) -> Checkpoint:
        """The saved checkpoint, or a fresh one when there is none yet."""
        try:
            payload = self.path.read_bytes()
        except FileNotFoundError:
            return Checkpoint(source=source)
        except OSError as error:
            raise CheckpointError(f"cannot read the checkpoint {self.path}: {error}") from error
        version = _version(payload)
        if version is not None and version != CHECKPOINT_VERSION:
            raise CheckpointError(
                f"the checkpoint {self.path} has format version {version!r}; this dexwatch reads "
                f"version {CHECKPOINT_VERSION} (move it away to start afresh)"
            )
        try:
            checkpoint = Checkpoint.model_validate_json(payload)
        except ValidationError as error:
            raise CheckpointError(
                f"the checkpoint {self.path} is not one this version can read "
                f"({error.error_count()} problem(s), first: {error.errors()[0]['msg']}); "
                "move it away to start afresh"
            ) from None
        if checkpoint.source != source:
            raise CheckpointError(
                f"the checkpoint {self.path} belongs to {checkpoint.source}, not {source}; "
                "give each source its own --checkpoint file"
            )
        return checkpoint

    def save(self, checkpoint: Checkpoint) -> None:
        """Replace the file atomically with `checkpoint`."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = checkpoint.model_dump_json(indent=2).encode() + b"\n"
        descriptor, temporary = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _sync_directory(self.path.parent)


def _version(payload: bytes) -> object:
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    return document.get("version") if isinstance(document, dict) else None


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (where the platform allows opening a directory)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
