"""`dexwatch schemas export DIR`: write the event schemas as JSON Schema files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dexwatch.schemas.json_schema import export_json_schemas

__all__ = ["register"]


def register(parser: argparse.ArgumentParser) -> None:
    """Add the `schemas` command and its sub-commands to `commands`."""
    parser.description = "Work with the schemas of the events dexwatch reads and writes."
    actions = parser.add_subparsers(dest="schemas_action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write one JSON Schema file per event type into DIR",
        description=(
            "Write metric-event, anomaly-event, dead-letter-record and dex-transaction JSON "
            "Schemas (draft 2020-12) into DIR, creating it if needed, and print each path written."
        ),
    )
    export.add_argument("directory", metavar="DIR", type=Path, help="where to write the files")
    export.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    directory: Path = args.directory
    try:
        written = export_json_schemas(directory)
    except OSError as error:
        print(f"dexwatch schemas export: cannot write to {directory}: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0
