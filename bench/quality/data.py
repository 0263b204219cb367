"""Where the labelled corpora live (`../shared/data`, beside the repository), and saying so.

The data is not part of the repository: a checkout without it gets one clear message naming
the folder looked in, not a traceback or an empty report. A corpus from elsewhere (SKAB) says
where to get it instead of pointing at ../shared.
"""

from __future__ import annotations

from pathlib import Path

from dexwatch.schemas.errors import DexwatchError

__all__ = [
    "DEFAULT_DATA",
    "REPOSITORY",
    "SHARED_DATA_HINT",
    "WINDOWS",
    "MissingData",
    "corpus_files",
    "labelled_corpus",
    "require",
]

REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPOSITORY.parent / "shared" / "data"
WINDOWS = "windows.json"
SHARED_DATA_HINT = (
    f"benchmarks need the shared data beside the repository (../shared/data next to "
    f"{REPOSITORY}, or pass --data)"
)


class MissingData(DexwatchError, FileNotFoundError):
    """A data folder or file a benchmark needs is not there; `hint` says how to get it."""

    def __init__(self, looked: Path, what: str, hint: str = SHARED_DATA_HINT) -> None:
        super().__init__(f"no {what} at {looked}: {hint}")
        self.looked = looked


def require(path: Path, what: str, *, folder: bool = True, hint: str = SHARED_DATA_HINT) -> Path:
    """`path` if it is there (a folder, or a file when `folder` is false); `MissingData` if not."""
    if not (path.is_dir() if folder else path.is_file()):
        raise MissingData(path, what, hint)
    return path


def corpus_files(
    folder: Path, pattern: str, what: str, *, hint: str = SHARED_DATA_HINT
) -> list[Path]:
    """The corpus's CSV files (`pattern` under `folder`), by path; none at all is missing data."""
    require(folder, what, hint=hint)
    paths = sorted(folder.glob(pattern))
    if not paths:
        raise MissingData(folder / pattern, f"CSV files of the {what}", hint)
    return paths


def labelled_corpus(folder: Path, pattern: str, what: str) -> list[Path]:
    """`corpus_files`, once its `windows.json` is known to be there (read only after scoring)."""
    paths = corpus_files(folder, pattern, f"{what} folder")
    require(folder / WINDOWS, f"{what} windows file", folder=False)
    return paths
