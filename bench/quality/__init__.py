"""Detection quality over every labelled corpus in ../shared/data: `python -m bench.quality`."""

from bench.quality.cli import main

__all__ = ["main"]
