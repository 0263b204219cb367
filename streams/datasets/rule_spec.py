"""A rule or detector a dataset names beside its model: `{iqr: {window: 100, k: 3}}` in YAML.

The name is a key of the detector registry; the arguments are its constructor's (a measure
rule's `feature` is its measure, filled in by the worker), checked against the constructor's
type hints here and by building it once in `check_rule`. `alert_above` is ours: the rule fires
when its score is above it.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from dexwatch.detectors.base import DetectorBase
from dexwatch.detectors.registry import DETECTORS
from dexwatch.schemas.errors import ConfigError

__all__ = ["ALERT_ABOVE", "Argument", "RuleSpec", "check_rule"]

# A rule's score is 0 inside its band, so by default any value outside it fires: the band is
# what the user declared normal. River's Half-Space Trees score ordinary points up to about
# 0.96 (10 trees of height 8, two Gaussian measures, 3,000 points), so they fire above 0.97.
ALERT_ABOVE: Mapping[str, float] = {"half_space_trees": 0.97}
_FILLED_IN = frozenset({"feature"})
# An argument left out that must be at least another one takes its value: Half-Space Trees
# need a warm-up of at least a window.
_DEFAULT_FROM: Mapping[str, Mapping[str, str]] = {"half_space_trees": {"warmup": "window_size"}}

Argument = bool | int | float | str | None


class RuleSpec(BaseModel):
    """`name` from the registry, its constructor `arguments`, and the score it fires above."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    arguments: dict[str, Argument] = Field(default_factory=dict)
    alert_above: float = Field(ge=0.0, lt=1.0)

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> Any:
        """`{threshold: {lower: 0.99, alert_above: 0.2}}` -> name, arguments, alert_above."""
        if not isinstance(data, dict) or "name" in data:
            return data
        if len(data) != 1:
            raise ValueError(f"a rule is one `name: {{arguments}}` mapping, got keys {list(data)}")
        ((name, arguments),) = data.items()
        arguments = {} if arguments is None else arguments
        if not isinstance(arguments, dict):
            raise ValueError(f"{name}: the arguments must be a mapping, got {arguments!r}")
        arguments = dict(arguments)
        alert_above = arguments.pop("alert_above", ALERT_ABOVE.get(str(name), 0.0))
        return {"name": name, "arguments": arguments, "alert_above": alert_above}

    def build(self, feature: str | None) -> DetectorBase:
        """A fresh instance; `feature`: the measure of a measure rule, None for a series one."""
        extra = {} if feature is None else {"feature": feature}
        return DETECTORS[self.name].detector(**extra, **self.arguments)


def check_rule(
    spec: RuleSpec, known: tuple[str, ...], kind: str = "rule"
) -> tuple[RuleSpec, tuple[tuple[str, ...], str] | None]:
    """`spec` with its arguments coerced to the constructor's types, or where it is at fault
    (below the rule: `()` for its name, `(argument,)`) and why. `known`: the registry's names
    allowed here, `kind` what they are called (`rule`, `detector`)."""
    if spec.name not in known:
        listed = ", ".join(known)
        return spec, ((), f"unknown {kind} {spec.name!r}; known {kind}s: {listed}")
    hints = _argument_hints(spec.name)
    arguments: dict[str, Argument] = {}
    for key, value in spec.arguments.items():
        if key not in hints:
            allowed = ", ".join([*hints, "alert_above"])
            return spec, ((key,), f"no argument {key!r}; the arguments of {spec.name}: {allowed}")
        try:
            arguments[key] = hints[key].validate_python(value)
        except ValidationError as error:
            return spec, ((key,), error.errors(include_url=False)[0]["msg"])
    for missing, source in _DEFAULT_FROM.get(spec.name, {}).items():
        if missing not in arguments and source in arguments:
            arguments[missing] = arguments[source]
    checked = spec.model_copy(update={"arguments": arguments})
    try:
        checked.build("value" if _takes_feature(spec.name) else None)
    except (TypeError, ValueError, ConfigError) as error:
        return spec, ((), str(error))
    return checked, None


def _init(name: str) -> Any:
    return DETECTORS[name].detector.__init__


def _takes_feature(name: str) -> bool:
    return "feature" in inspect.signature(_init(name)).parameters


@functools.cache
def _argument_hints(name: str) -> dict[str, TypeAdapter[Any]]:
    """The constructor's arguments a user may set, each with a validator of its type hint."""
    hints = typing.get_type_hints(_init(name))
    parameters = inspect.signature(_init(name)).parameters
    return {
        key: TypeAdapter(hints.get(key, Any))
        for key in parameters
        if key not in ("self", *_FILLED_IN)
    }
