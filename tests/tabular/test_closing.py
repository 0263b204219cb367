"""Closing: a `with` block closes the resource on the way out, raising or not."""

from __future__ import annotations

import pytest

from dexwatch.tabular.closing import Closing


class Resource(Closing):
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_leaving_the_block_closes_once() -> None:
    with Resource() as resource:
        assert resource.closed == 0
    assert resource.closed == 1


def test_an_error_closes_and_still_propagates() -> None:
    resource = Resource()
    with pytest.raises(KeyError), resource:
        raise KeyError("boom")
    assert resource.closed == 1


def test_a_resource_must_say_how_it_closes() -> None:
    with pytest.raises(TypeError, match="close"):
        Closing()  # type: ignore[abstract]
