"""Read datasets from a YAML file or a directory of them, failing on the first bad file.

A file holds a list of datasets, a mapping `datasets: [...]`, or one dataset mapping. Every
problem is a `ConfigError` naming the file and the field path, one line per problem, e.g.
`deploy/datasets/x.yaml: datasets[1].measures[0].aggregation: Input should be 'sum', ...`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.datasets.config import WILDCARD_TAGS, DatasetConfig
from dexwatch.streams.datasets.rule_error import RULE_ERROR_TYPE

__all__ = ["load_datasets"]

_SUFFIXES = (".yaml", ".yml")


def load_datasets(path: Path) -> tuple[DatasetConfig, ...]:
    """Every dataset in `path` (a file, or the `*.yaml`/`*.yml` files of a directory)."""
    if path.is_dir():
        files = sorted(item for item in path.iterdir() if item.suffix in _SUFFIXES)
        if not files:
            raise ConfigError(f"{path}: no *.yaml dataset files in this directory")
    elif path.is_file():
        files = [path]
    else:
        raise ConfigError(f"{path}: no such dataset file or directory")
    found: dict[str, Path] = {}
    datasets: list[DatasetConfig] = []
    for file in files:
        for dataset in _load_file(file):
            if dataset.name in found:
                first = found[dataset.name]
                raise ConfigError(
                    f"{file}: dataset name {dataset.name!r} is already used in {first}"
                )
            found[dataset.name] = file
            datasets.append(dataset)
    if not datasets:
        raise ConfigError(f"{path}: no datasets declared")
    return tuple(datasets)


def _load_file(file: Path) -> list[DatasetConfig]:
    try:
        document = yaml.load(
            file.read_text(encoding="utf-8"), Loader=_StrictLoader
        )  # the safe loader
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{file}: cannot read: {error}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{file}: not valid YAML: {error}") from error
    entries, prefix = _entries(file, document)
    datasets = []
    for index, entry in enumerate(entries):
        where = [*prefix, index] if prefix is not None else []
        if not isinstance(entry, dict):
            raise ConfigError(f"{file}: {_path(where) or '(file)'}: a dataset must be a mapping")
        try:
            datasets.append(DatasetConfig.model_validate(entry))
        except ValidationError as error:
            raise ConfigError(_describe(file, where, error)) from error
    return datasets


def _entries(file: Path, document: Any) -> tuple[list[Any], list[str | int] | None]:
    """The dataset entries of a file and the path prefix that locates them."""
    if isinstance(document, list):
        return document, []
    if isinstance(document, dict) and "datasets" in document:
        if set(document) != {"datasets"} or not isinstance(document["datasets"], list):
            raise ConfigError(f"{file}: expected only `datasets:` holding a list of datasets")
        return document["datasets"], ["datasets"]
    if isinstance(document, dict):
        return [document], None
    raise ConfigError(f"{file}: expected a list of datasets, `datasets: [...]` or one dataset")


def _describe(file: Path, where: list[str | int], error: ValidationError) -> str:
    lines = []
    for item in error.errors(include_url=False):
        location = [*where, *(part for part in item["loc"] if part not in WILDCARD_TAGS)]
        if item["type"] == RULE_ERROR_TYPE:
            location += item.get("ctx", {}).get("at", [])
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{file}: {_path(location) or '(dataset)'}: {message}")
    return "\n".join(lines)


def _path(parts: Sequence[str | int]) -> str:
    """`["datasets", 1, "measures", 0, "name"]` -> `datasets[1].measures[0].name`."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but a key given twice in one mapping is an error, not a shadow."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        f"found the key {key!r} twice",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)
