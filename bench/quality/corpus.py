"""What a labelled corpus offers the quality harness: its files, then its report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from bench.quality.runs import FileRun

__all__ = ["Corpus"]


class Corpus(Protocol):
    @property
    def name(self) -> str:
        """What `--only` calls it: `nab`, `dex`."""

    @property
    def per_file_default(self) -> bool:
        """Whether the per-file table is printed when `--per-file` is not given."""

    def paths(self) -> list[Path]:
        """The files to run; `MissingData` when the folder, its files or its labels are absent."""

    def report(self, runs: Sequence[FileRun], per_file: bool) -> None:
        """Reads the labels (only now, after scoring) and prints the corpus's figures."""
