"""The checkpoint round-trips exactly, is written atomically, and refuses what it cannot read."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from dexwatch.connectors.thegraph.block_reader import BlockRef
from dexwatch.connectors.thegraph.checkpoint import Checkpoint, CheckpointStore, PoolProgress
from dexwatch.connectors.thegraph.errors import CheckpointError
from dexwatch.connectors.thegraph.records import PoolState

SOURCE = "thegraph:ethereum:uniswap-v3"


def full_checkpoint() -> Checkpoint:
    state = PoolState(
        tvl_usd=Decimal("123.456789012345678901"),
        liquidity=Decimal(2**128 - 1),
        price=Decimal("1E-18"),
    )
    return Checkpoint(
        source=SOURCE,
        block=BlockRef(number=19_000_000, hash="0xabc", timestamp=1767571200),
        pools={
            "0xpool": PoolProgress(last_hour=1767567600, state=state, last_sqrt_price=str(2**159))
        },
        transactions_after=1767571188,
        selected_pools=("0xpool",),
        selected_at=1767571000.5,
        budget_month="2026-01",
        budget_used=42,
    )


def test_round_trip_is_exact(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path / "deep" / "checkpoint.json")
    checkpoint = full_checkpoint()
    store.save(checkpoint)
    assert store.load(SOURCE) == checkpoint
    document = orjson.loads(store.path.read_bytes())
    assert document["version"] == 1
    assert document["pools"]["0xpool"]["state"]["liquidity"] == str(2**128 - 1)


def test_missing_file_is_a_fresh_start(tmp_path: Path) -> None:
    assert CheckpointStore(tmp_path / "none.json").load(SOURCE) == Checkpoint(source=SOURCE)


def test_save_replaces_atomically_and_leaves_no_temporary_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CheckpointStore(tmp_path / "checkpoint.json")
    store.save(Checkpoint(source=SOURCE))
    before = store.path.read_bytes()

    def crash(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.save(full_checkpoint())
    assert store.path.read_bytes() == before, "the old checkpoint is intact"
    assert [path.name for path in tmp_path.iterdir()] == ["checkpoint.json"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"version": 2, "source": "thegraph:ethereum:uniswap-v3"}', "has format version 2"),
        (b"{not json", "not one this version"),
        (b'{"version": 1, "source": "thegraph:ethereum:sushiswap-v3"}', "belongs to"),
    ],
)
def test_unreadable_or_foreign_checkpoints_are_refused(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "checkpoint.json"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=expected):
        CheckpointStore(path).load(SOURCE)
