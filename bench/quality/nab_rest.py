"""NAB's files beyond the 18 in ../shared: a held-out corpus, and the published detectors on it.

The defaults were developed on the 18 NAB files in `../shared/data/nab`; NAB has 58. The other
40 were never looked at while choosing a setting, so they say how the detector does on data it
has not seen. Get NAB (`git clone https://github.com/numenta/NAB`), then:

    python -m bench.quality.nab_rest extract NAB_CHECKOUT OUT
    python -m bench.quality --data OUT --only nab            # dexwatch on the 40
    python -m bench.quality.nab_rest published NAB_CHECKOUT numenta --data OUT   # HTM on them

`extract` copies NAB's data files that are not in `--shared` (default ../shared/data/nab) to
`OUT/nab/<category>/<file>.csv` with their windows (`labels/combined_windows.json`) in
`OUT/nab/windows.json`. `published` scores the results NAB publishes for a detector
(`results/<detector>/<category>/<detector>_<file>.csv`) with this repository's NAB scorer, so
both sides are scored by the same code.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.quality.data import DEFAULT_DATA, WINDOWS, MissingData, require
from bench.quality.nab_corpus import NabCorpus
from bench.quality.runs import FileRun
from dexwatch.schemas.errors import DexwatchError

__all__ = ["extract", "main", "published_runs"]

GET_NAB = "get NAB with `git clone https://github.com/numenta/NAB` and pass the checkout"
EXTRACT_FIRST = (
    "write it with `python -m bench.quality.nab_rest extract NAB_CHECKOUT OUT` and pass OUT"
)


def extract(checkout: Path, shared: Path, out: Path) -> list[str]:
    """Copies NAB's labelled files that `shared` lacks into `out`; returns their keys."""
    data = require(checkout / "data", "NAB data folder", hint=GET_NAB)
    labels = require(
        checkout / "labels" / "combined_windows.json", "NAB windows", folder=False, hint=GET_NAB
    )
    windows = json.loads(labels.read_text())
    have = {path.relative_to(shared).as_posix() for path in shared.glob("*/*.csv")}
    kept: dict[str, object] = {}
    for path in sorted(data.glob("*/*.csv")):
        key = path.relative_to(data).as_posix()
        if key in have or key not in windows:
            continue
        target = out / key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        kept[key] = windows[key]
    out.mkdir(parents=True, exist_ok=True)
    (out / WINDOWS).write_text(json.dumps(kept, indent=1) + "\n")
    return list(kept)


def published_runs(checkout: Path, detector: str, folder: Path) -> list[FileRun]:
    """NAB's published scores of `detector` for every file of `folder`, as runs to score."""
    require(checkout / "results", "NAB results folder", hint=GET_NAB)
    runs = []
    for path in sorted(folder.glob("*/*.csv")):
        category = path.parent.name
        result = checkout / "results" / detector / category / f"{detector}_{path.name}"
        if not result.is_file():
            raise DexwatchError(f"NAB publishes no result of {detector!r} at {result}")
        with result.open(newline="") as stream:
            rows = list(csv.DictReader(stream))
        runs.append(
            FileRun(
                path,
                [float(row["anomaly_score"]) for row in rows],
                [datetime.fromisoformat(row["timestamp"]).replace(tzinfo=UTC) for row in rows],
                [],
                0,
                0,
                0.0,
            )
        )
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.quality.nab_rest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    extracting = commands.add_parser("extract", help="copy the NAB files not in --shared")
    extracting.add_argument("checkout", type=Path, help="a NAB checkout (data/, labels/)")
    extracting.add_argument("out", type=Path, help="folder to write (OUT/nab/...)")
    extracting.add_argument(
        "--shared", type=Path, default=DEFAULT_DATA / "nab", help="the NAB files to leave out"
    )
    scoring = commands.add_parser("published", help="score a detector's published results")
    scoring.add_argument("checkout", type=Path, help="a NAB checkout (results/)")
    scoring.add_argument("detector", help="a folder of NAB's results/, e.g. numenta, ARTime")
    scoring.add_argument(
        "--data", type=Path, required=True, help="OUT of extract, or ../shared/data"
    )
    args = parser.parse_args(argv)
    prog = "bench.quality.nab_rest"
    try:
        if args.command == "extract":
            keys = extract(
                args.checkout, require(args.shared, "shared NAB folder"), args.out / "nab"
            )
            print(f"{len(keys)} NAB files not in {args.shared} written to {args.out / 'nab'}")
            return 0
        folder = require(args.data / "nab", "NAB corpus folder", hint=EXTRACT_FIRST)
        corpus = NabCorpus(folder)
        corpus.report(published_runs(args.checkout, args.detector, folder), per_file=True)
    except MissingData as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 2
    except DexwatchError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
