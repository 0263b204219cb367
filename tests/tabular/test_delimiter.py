"""Finding a CSV file's delimiter among `,` `;` and tab."""

from __future__ import annotations

import pytest

from dexwatch.tabular.delimiter import describe_delimiter, sniff_delimiter


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["a,b", "1,2"], ","),
        (["a;b", "1,5;2,5"], ";"),
        (["a\tb\tc", "x,y\t1;2\t3"], "\t"),
        # The header splits under both; only `;` agrees with the data lines.
        (['"a,1";b', '"1,5";2', '"2,5";3'], ";"),
        (["a", "1"], ","),
        ([], ","),
    ],
)
def test_the_candidate_the_lines_agree_with_wins(lines: list[str], expected: str) -> None:
    assert sniff_delimiter(lines) == expected


def test_delimiters_are_described_by_name() -> None:
    assert describe_delimiter(";") == "semicolon (';')"
    assert describe_delimiter("\t") == "tab ('\\t')"
    assert describe_delimiter("#") == "'#'"
