"""Rows of a file that are not valid metric events: what a replay reports instead of stopping."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["TEXT_LIMIT", "RejectTally", "RejectedRow"]

TEXT_LIMIT = 1000
"""Characters of a bad row kept for the rejects file."""


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row that is not a valid metric event. `kind` is a short code from a closed set:
    `malformed_csv`, `wrong_field_count`, `invalid_time`, `invalid_measure`, `invalid_event`
    (CSV), `invalid_json`, `invalid_schema` (JSON lines)."""

    line: int
    kind: str
    reason: str
    text: str


@dataclass
class RejectTally:
    """Bad rows counted by kind: what the summary at the end of a replay says."""

    by_kind: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def add(self, row: RejectedRow) -> None:
        self.by_kind[row.kind] += 1

    def summary(self) -> str:
        """E.g. `3 bad rows (invalid_json: 1, invalid_time: 2)`, or `no bad rows`."""
        if not self.total:
            return "no bad rows"
        kinds = ", ".join(f"{kind}: {count}" for kind, count in sorted(self.by_kind.items()))
        return f"{self.total} bad row(s) ({kinds})"
