"""`dexwatch --help` loads no Kafka client, engine or model: it stays fast."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dexwatch.cli.main import COMMANDS, build_parser, command_module

HEAVY = {"faust", "mode", "aiokafka", "confluent_kafka", "numba", "numpy"}

_PROBE = """
import sys
from dexwatch.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)))
"""


def _loaded_after(*argv: str) -> set[str]:
    """The modules a fresh interpreter holds after `dexwatch *argv` (its output unused)."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True
    )
    return set(done.stdout.splitlines()[-1].split())


@pytest.mark.parametrize("argv", [(), ("--help",)])
def test_the_command_list_imports_nothing_heavy(argv: tuple[str, ...]) -> None:
    loaded = _loaded_after(*argv)
    assert "dexwatch.cli.main" in loaded  # the probe ran
    heavy = {name for name in loaded if name.split(".")[0] in HEAVY}
    assert not heavy, sorted(heavy)[:10]


def test_a_command_s_help_imports_its_module_only() -> None:
    loaded = _loaded_after("schemas", "--help")
    assert "dexwatch.cli.schemas_command" in loaded
    assert "dexwatch.cli.worker_command" not in loaded


def test_every_command_is_listed_and_registers_its_arguments() -> None:
    help_text = build_parser([]).format_help()
    for name, (_, summary) in COMMANDS.items():
        assert f"    {name} " in help_text
        assert summary.split()[0] in help_text
        assert callable(command_module(name).register)
    # The full parser (no argv) knows every command's options, e.g. the worker's.
    assert build_parser().parse_args(["worker", "--app-id", "a"]).app_id == "a"
    assert build_parser(["worker"]).parse_args(["worker", "--app-id", "b"]).app_id == "b"
