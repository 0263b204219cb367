"""The connector's first-run backfill from the datasets that read its topics."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexwatch.cli.connect_backfill import backfill_for, with_dataset_backfill
from dexwatch.connectors.thegraph.settings import load_settings
from dexwatch.streams.datasets import load_datasets

SHIPPED = Path(__file__).resolve().parents[2] / "deploy" / "datasets"
METRICS, TRANSACTIONS = "dexwatch.metrics", "dexwatch.dex-transactions"


def test_the_shipped_datasets_ask_for_two_weeks_of_hours_and_a_day_of_transactions() -> None:
    wanted = backfill_for(load_datasets(SHIPPED), METRICS, TRANSACTIONS)
    # pools hourly and stablecoin pegs: backfill 14d; swaps per minute: 1440 minutes of warmup.
    assert wanted == {"backfill_hours": 14 * 24, "transactions_backfill_s": 86_400}


def test_other_topics_and_unintervalled_datasets_ask_for_nothing() -> None:
    assert backfill_for(load_datasets(SHIPPED), "elsewhere", "nowhere") == {}
    generic = load_datasets(SHIPPED / "generic.yaml")
    assert backfill_for(generic, METRICS, TRANSACTIONS) == {}


def test_a_longer_need_than_the_connector_allows_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(
        f"""
datasets:
  - name: daily
    source: {{topic: {METRICS}}}
    dimensions: [pool]
    measures: [{{name: tvl_usd, aggregation: last}}]
    interval: 1d
    detector: {{warmup: 400}}
"""
    )
    assert backfill_for(load_datasets(path), METRICS, TRANSACTIONS) == {"backfill_hours": 2160}


def test_a_flag_or_the_environment_wins_over_the_datasets(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {"endpoint": "http://127.0.0.1:1/subgraphs/id/x", "top_pools": 2, "backfill_hours": 3}
    settings = with_dataset_backfill(load_settings(**values), SHIPPED, values)
    # The flag's 3 hours stay; the transactions take the swaps dataset's day.
    assert (settings.backfill_hours, settings.transactions_backfill_s) == (3, 86_400)
    monkeypatch.setenv("DEXWATCH_THEGRAPH_TRANSACTIONS_BACKFILL_S", "600")
    settings = with_dataset_backfill(load_settings(**values), SHIPPED, values)
    assert (settings.backfill_hours, settings.transactions_backfill_s) == (3, 600)
