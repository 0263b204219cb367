"""The delivered ledger: on disk before it returns, survives torn writes, bounded, exclusive."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexwatch.sinks.delivered_ledger import DeliveredLedger
from dexwatch.sinks.errors import LedgerError

W = "alerts:0:7"  # where the alert was read


def test_keys_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "ops.ledger"
    with DeliveredLedger(path) as ledger:
        assert ledger.finished("a:1", W) is None
        ledger.record("a:1", "delivered", W)
        ledger.record("b:1", "dead_lettered", W)
    with DeliveredLedger(path) as ledger:
        assert ledger.finished("a:1", W) == "delivered"
        assert ledger.finished("b:1", W) == "dead_lettered"
        assert ledger.finished("c:1", W) is None
        assert len(ledger) == 2


def test_each_record_is_on_disk_when_it_returns(tmp_path: Path) -> None:
    path = tmp_path / "ops.ledger"
    with DeliveredLedger(path) as ledger:
        ledger.record("a:1", "delivered", W)
        assert path.read_bytes().splitlines()[-1] == b'["a:1","d","alerts:0:7"]'


def test_a_torn_last_line_is_ignored_and_does_not_swallow_the_next(tmp_path: Path) -> None:
    path = tmp_path / "ops.ledger"
    with DeliveredLedger(path) as ledger:
        ledger.record("a:1", "delivered", W)
    with path.open("ab") as handle:
        handle.write(b'["b:1","')  # killed in the middle of a write
    with DeliveredLedger(path) as ledger:
        assert ledger.finished("b:1", W) is None
        ledger.record("c:1", "delivered", W)
    with DeliveredLedger(path) as ledger:
        assert (
            ledger.finished("a:1", W),
            ledger.finished("b:1", W),
            ledger.finished("c:1", W),
        ) == (
            "delivered",
            None,
            "delivered",
        )


def test_it_keeps_the_newest_keys_and_rewrites_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ops.ledger"
    with DeliveredLedger(path, keep=10) as ledger:
        for number in range(100):
            ledger.record(f"k:{number}", "delivered", W)
        assert len(ledger) <= 21
        assert ledger.finished("k:99", W) == "delivered"
        assert ledger.finished("k:0", W) is None
    assert len(path.read_bytes().splitlines()) <= 22
    with DeliveredLedger(path, keep=10) as ledger:
        assert ledger.finished("k:99", W) == "delivered"
        assert len(ledger) == 10  # a reopened ledger holding more than `keep` is cut to it


def test_a_second_process_on_the_same_ledger_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ops.ledger"
    with DeliveredLedger(path), pytest.raises(LedgerError, match="in use by another process"):
        DeliveredLedger(path).open()
    with DeliveredLedger(path):  # free again once closed
        pass


def test_a_file_that_is_not_a_ledger_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ops.ledger"
    path.write_text("something else\n")
    with pytest.raises(LedgerError, match="not a sink ledger"):
        DeliveredLedger(path).open()


def test_delivered_is_never_again_but_dead_lettered_only_from_the_same_record(
    tmp_path: Path,
) -> None:
    with DeliveredLedger(tmp_path / "ops.ledger") as ledger:
        ledger.record("sent:1", "delivered", "alerts:0:1")
        ledger.record("gone:1", "dead_lettered", "alerts:0:2")
        assert ledger.finished("sent:1", "alerts:5:90") == "delivered"  # written twice: skip
        assert ledger.finished("gone:1", "alerts:0:2") == "dead_lettered"  # read again: skip
        assert ledger.finished("gone:1", "alerts:3:77") is None  # replayed: try it again
