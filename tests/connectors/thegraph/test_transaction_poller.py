"""Swaps, mints and burns: complete windows back to back, keyed by pool, with price impact."""

from __future__ import annotations

import itertools
from collections import Counter

import orjson

from dexwatch.connectors.thegraph.transaction_mapping import price_impact
from dexwatch.schemas.dex_transaction import DexTransaction
from tests.connectors.thegraph.conftest import HEAD, V2_ID, V3_ID, Harness


def test_back_to_back_windows_miss_nothing_and_repeat_nothing(harness: Harness) -> None:
    reports = harness.poll(cycles=3)
    transactions: list[DexTransaction] = harness.sink.of("transaction")
    ids = [transaction.upstream_id for transaction in transactions]
    assert len(ids) == len(set(ids))
    assert set(ids) == harness.transaction_ids(V3_ID, HEAD - 1800, HEAD + 600)
    assert sum(report.transactions for report in reports) == len(ids)
    checkpoint = orjson.loads(harness.checkpoint.read_bytes())
    assert checkpoint["transactions_after"] == reports[-1].block.timestamp  # type: ignore[union-attr]
    assert Counter(transaction.kind for transaction in transactions).keys() == {
        "swap",
        "mint",
        "burn",
    }


def test_events_are_keyed_by_pool_and_carry_the_sender(harness: Harness) -> None:
    harness.poll()
    view = harness.server.view(V3_ID)
    rows = {
        row["id"]: row
        for entity in ("Swap", "Mint", "Burn")
        for row in view.collection(entity, view.dataset.block_at(HEAD))
    }
    for kind, topic, key, record in harness.sink.records:
        if kind != "transaction":
            continue
        assert isinstance(record, DexTransaction)
        assert topic == "dexwatch.dex-transactions"
        assert key == record.series_key.encode()
        assert set(record.dimensions) == {"chain", "dex", "pool", "pair"}
        row = rows[record.upstream_id]
        assert record.sender == row["origin"]
        assert record.dimensions["pool"] == row["pool"]["id"]
        assert record.transaction_hash == row["transaction"]["id"]
        assert record.amount_usd == float(row["amountUSD"])


def test_price_impact_follows_the_pools_previous_swap(harness: Harness) -> None:
    harness.poll(cycles=2)
    swaps = [t for t in harness.sink.of("transaction") if t.kind == "swap"]
    by_pool: dict[str, list[DexTransaction]] = {}
    for swap in sorted(swaps, key=lambda s: (s.block_number, s.log_index or 0)):
        by_pool.setdefault(swap.dimensions["pool"], []).append(swap)
    view = harness.server.view(V3_ID)
    rows = {row["id"]: row for row in view.collection("Swap", view.dataset.block_at(HEAD + 300))}
    checked = 0
    for pool_swaps in by_pool.values():
        assert pool_swaps[0].price_impact is None, "no earlier swap seen in the pool"
        for before, after in itertools.pairwise(pool_swaps):
            expected = price_impact(
                int(rows[before.upstream_id]["sqrtPriceX96"]),
                int(rows[after.upstream_id]["sqrtPriceX96"]),
            )
            assert after.price_impact == expected
            checked += 1
    assert checked > 20


def test_v2_senders_and_no_price_impact(harness: Harness) -> None:
    harness.poll(harness.settings(V2_ID))
    view = harness.server.view(V2_ID)
    rows = {
        row["id"]: row
        for entity in ("Swap", "Mint", "Burn")
        for row in view.collection(entity, view.dataset.block_at(HEAD))
    }
    transactions: list[DexTransaction] = harness.sink.of("transaction")
    assert transactions
    for transaction in transactions:
        row = rows[transaction.upstream_id]
        assert transaction.sender == (row["from"] if transaction.kind == "swap" else row["to"])
        assert transaction.price_impact is None


def test_a_long_gap_is_caught_up_in_bounded_windows(harness: Harness) -> None:
    settings = harness.settings(transactions_backfill_s=3 * 3600, max_window_s=3600)
    reports = harness.poll(settings, cycles=4)
    assert [report.behind for report in reports] == [True, True, True, False]
    ids = [transaction.upstream_id for transaction in harness.sink.of("transaction")]
    assert len(ids) == len(set(ids))
    assert set(ids) == harness.transaction_ids(V3_ID, HEAD - 3 * 3600, HEAD + 900)
