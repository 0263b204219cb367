"""The mark kept in a commit's metadata: written and read back, and foreign text ignored."""

from __future__ import annotations

import logging

import pytest

from dexwatch.streams.engine.commit_marks import CommitMark, decode_mark, encode_mark


def test_a_mark_reads_back_as_written() -> None:
    mark = CommitMark(acked=120, processed=131, watermarks={"per-minute": 1_767_571_200_000_000})
    assert decode_mark(encode_mark(mark)) == mark


@pytest.mark.parametrize("text", [None, "", "written by another tool"])
def test_metadata_without_a_mark_is_none(text: str | None) -> None:
    assert decode_mark(text) is None


def test_an_unreadable_mark_is_ignored_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert decode_mark('dexwatch/1 {"a": 1, "p": "x"}') is None
    assert "ignoring unreadable commit metadata" in caplog.text
