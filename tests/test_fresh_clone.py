"""The unit suite passes in a fresh clone with nothing beside it: no ../shared, no .venv.

Run under CI=true only (.ci/run sets it), skipped elsewhere: it runs the whole unit suite a
second time (a few minutes). It clones this repository's HEAD into an empty temporary folder
and runs `pytest -m "not kafka and not slow"` there with this same interpreter (the project's
venv): the broker tests and the slow end-to-end ones, this one among them, are left out. A test
that reads files from outside the repository, or that only passes with files nobody committed,
fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.system_tools import in_ci

REPO = Path(__file__).resolve().parent.parent
UNIT = "not kafka and not slow"


def git(*args: str, cwd: Path = REPO) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


def python_in(
    folder: Path, argv: list[str], env: dict[str, str], timeout: float = 1800
) -> subprocess.CompletedProcess[str]:
    """This interpreter (the project's venv) run in `folder`."""
    return subprocess.run(
        [sys.executable, *argv],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


@pytest.mark.slow
def test_the_unit_suite_passes_in_a_fresh_clone(tmp_path: Path) -> None:
    if not in_ci():
        pytest.skip("runs under CI=true only (the unit suite again, a few minutes): .ci/run")
    head = git("rev-parse", "HEAD")
    clone = tmp_path / "alone" / "dexwatch"
    git("clone", "--quiet", "--no-checkout", str(REPO), str(clone))
    git("checkout", "--quiet", "--detach", head, cwd=clone)
    assert sorted(path.name for path in clone.parent.iterdir()) == ["dexwatch"]
    # As on a developer's machine: tool tests skip rather than fail, and this test skips.
    env = {name: value for name, value in os.environ.items() if name != "CI"}

    # The venv holds the project as an editable install of REPO: the clone's own code must win.
    where = "import dexwatch.streams as streams, tests; print(streams.__file__, tests.__file__)"
    imported = python_in(clone, ["-c", where], env, timeout=60).stdout.split()
    assert len(imported) == 2, imported
    assert all(Path(path).is_relative_to(clone) for path in imported), imported

    run = python_in(clone, ["-m", "pytest", "-m", UNIT, "-q", "-p", "no:cacheprovider"], env)
    tail = "\n".join((run.stdout + run.stderr).splitlines()[-40:])
    assert run.returncode == 0, f"the unit suite failed in a fresh clone of {head}:\n{tail}"
