"""A secret read from a file (a mounted Kubernetes or Docker secret): its text, stripped.

One reader for every setting that takes `..._file` beside the secret itself, so each fails the
same way: naming the setting and the path, never the content.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["read_secret_file"]


def read_secret_file(path: Path | str, setting: str) -> str:
    """The file's text without surrounding whitespace; `ValueError` naming `setting` when it
    cannot be read or is empty."""
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{setting}: cannot read {path} ({type(error).__name__})") from None
    if not value:
        raise ValueError(f"{setting}: {path} is empty")
    return value
