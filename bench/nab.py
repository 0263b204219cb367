"""NAB on the 18 files in ../shared/data/nab: one parameter set, scores for the three profiles.

    .venv/bin/python -m bench.nab [--config dataset.yaml] [--data ../shared/data/nab] [--workers 2]

The NAB part of `python -m bench.quality` (which runs every labelled corpus), kept for its
folder argument and its per-file table by default.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.quality.cli import run_corpora
from bench.quality.data import DEFAULT_DATA
from bench.quality.nab_corpus import NabCorpus
from bench.quality.settings import describe_settings, detector_settings
from dexwatch.schemas.errors import DexwatchError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nab", description=__doc__)
    parser.add_argument("--config", type=Path, help="YAML with a `detector:` mapping")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA / "nab", help="the NAB folder")
    parser.add_argument(
        "--workers", type=int, default=min(2, os.cpu_count() or 1), help="processes (default 2)"
    )
    args = parser.parse_args(argv)
    try:
        settings = detector_settings(args.config, ())
    except DexwatchError as error:
        print(f"bench.nab: {error}", file=sys.stderr)
        return 1
    return run_corpora(
        "bench.nab",
        [NabCorpus(args.data)],
        settings,
        workers=args.workers,
        per_file=True,
        settings_label=describe_settings(args.config, ()),
    )


if __name__ == "__main__":
    sys.exit(main())
