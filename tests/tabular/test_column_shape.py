"""Shaping a CSV's columns: renames in the header, constant columns on the header and each row."""

from __future__ import annotations

import pytest

from dexwatch.schemas.errors import ConfigError
from dexwatch.tabular.column_shape import ColumnShape


def test_renames_and_constants_shape_the_header_and_every_row() -> None:
    shape = ColumnShape(
        renames=(("Virtual Price", "virtual_price"),), constants=(("pool", "3pool"),)
    )
    assert shape.header(["Time", "Virtual Price"]) == ["Time", "virtual_price", "pool"]
    assert shape.fields(["2023-03-11", "1.02"]) == ["2023-03-11", "1.02", "3pool"]
    assert shape.constant_names == ("pool",)


def test_an_empty_shape_changes_nothing() -> None:
    shape = ColumnShape()
    assert not shape
    fields = ["a", "b"]
    assert shape.header(fields) == fields
    assert shape.fields(fields) is fields


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        (ColumnShape(renames=(("Price", "price"),)), r"--rename Price=price: no column 'Price'"),
        (ColumnShape(renames=(("a", "b"),)), r"\['b'\] would be used twice"),
        (ColumnShape(constants=(("a", "x"),)), r"\['a'\] would be used twice"),
    ],
)
def test_a_shape_that_does_not_fit_the_header_names_the_problem(
    shape: ColumnShape, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        shape.header(["a", "b"])
