"""``[allocation]`` as validated dataclasses: virtual dimensions, their ordered rules, shared rules.

:func:`parse` turns ``settings.tree("allocation")`` into an :class:`Allocation`; anything wrong is a
one-line :class:`~finops_lib.errors.ConfigError` naming the rule. Syntax: finops.example.toml.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import duckdb

from finops_lib.errors import ConfigError
from finops_lib.spec import output_columns

DEFAULT_VALUE = "unallocated"
METHODS = ("even", "proportional", "fixed")
TAG_PREFIX = "tag:"
REGEX_PREFIX = "re:"
_RULE_KEYS = ("name", "value", "tag", "where")
_SHARED_KEYS = ("name", "dimension", "where", "method", "weights", "to")
_DIMENSION_KEYS = ("default", "rules")


@dataclass(frozen=True)
class Pattern:
    """One pattern of a ``where`` value: ``exact``, ``like`` (from a glob) or ``regex``."""

    kind: str
    text: str


@dataclass(frozen=True)
class Condition:
    """``key`` (a FOCUS column or ``tag:<key>``) matches any of ``patterns``."""

    key: str
    patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class Rule:
    """One ordered rule of a dimension: a literal ``value`` or the first of the ``tags`` present."""

    name: str
    value: str | None
    tags: tuple[str, ...]
    where: tuple[Condition, ...]


@dataclass(frozen=True)
class Dimension:
    """A virtual dimension: ordered rules and the value of rows no rule matches."""

    name: str
    default: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class SharedRule:
    """Rows of ``dimension`` matching ``where`` are split across its values by ``method``."""

    name: str
    dimension: str
    where: tuple[Condition, ...]
    method: str
    weights: tuple[tuple[str, Decimal], ...] = ()
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Allocation:
    """The validated ``[allocation]`` tree."""

    dimensions: tuple[Dimension, ...] = ()
    shared: tuple[SharedRule, ...] = ()

    def dimension(self, name: str) -> Dimension | None:
        """The dimension called ``name``, if configured."""
        return next((d for d in self.dimensions if d.name == name), None)


def column_types() -> dict[str, str]:
    return dict(output_columns())


def _strings(raw: Any) -> list[str] | None:
    """A string or a list of strings as a list; None when it is neither."""
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(x, str) for x in raw):
        return list(raw)
    return None


def _pattern(text: str, fail: Any) -> Pattern:
    if text.startswith(REGEX_PREFIX):
        regex = text[len(REGEX_PREFIX) :]
        if not regex:
            fail(f"empty regex {text!r}")
        try:  # DuckDB's RE2 is the engine that will run it
            duckdb.connect(":memory:").execute("select regexp_matches('', $p)", {"p": regex})
        except duckdb.Error as exc:
            fail(f"bad regex {regex!r} ({str(exc).splitlines()[0]})")
        return Pattern("regex", regex)
    if not text:
        fail("empty pattern")
    if "*" not in text and "?" not in text:
        return Pattern("exact", text)
    like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Pattern("like", like.replace("*", "%").replace("?", "_"))


def _where(raw: Any, fail: Any) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        fail("where must be a table of column = pattern(s), e.g. { ServiceName = 'Amazon S3' }")
    columns = column_types()
    found = []
    for key, value in raw.items():
        if key.startswith(TAG_PREFIX):
            if not key[len(TAG_PREFIX) :]:
                fail(f"empty tag key in {key!r}")
        elif key not in columns:
            close = [c for c in columns if c.lower() == key.lower()]
            fail(f"unknown column {key}" + (f" (did you mean {close[0]}?)" if close else ""))
        texts = _strings(value)
        if texts is None:
            fail(f"{key} must be a string or a list of strings")
        found.append(Condition(key, tuple(_pattern(t, fail) for t in texts or ())))
    return tuple(found)


def _failer(label: str) -> Any:
    def fail(what: str) -> None:
        raise ConfigError(
            f"{label}: {what}", hint="see the [allocation] section of finops.example.toml"
        )

    return fail


def _unknown_keys(table: dict[str, Any], allowed: tuple[str, ...], fail: Any) -> None:
    extra = sorted(set(table) - set(allowed))
    if extra:
        fail(f"unknown key(s) {', '.join(extra)} (allowed: {', '.join(allowed)})")


def _rule(dimension: str, index: int, raw: Any, seen: set[str]) -> Rule:
    name = raw.get("name") if isinstance(raw, dict) else None
    label = (
        f'allocation rule "{name}" of dimension {dimension}'
        if isinstance(name, str) and name
        else f"allocation rule #{index} of dimension {dimension}"
    )
    fail = _failer(label)
    if not isinstance(raw, dict):
        fail("must be a table ([[allocation.dimensions.<name>.rules]])")
    if not isinstance(name, str) or not name:
        fail("missing name")
    assert isinstance(name, str)
    if name in seen:
        fail("duplicate name (rule names are unique within a dimension)")
    seen.add(name)
    _unknown_keys(raw, _RULE_KEYS, fail)
    if ("value" in raw) == ("tag" in raw):
        fail("set exactly one of value or tag")
    value = raw.get("value")
    if "value" in raw and (not isinstance(value, str) or not value):
        fail("value must be a non-empty string")
    tags = _strings(raw["tag"]) if "tag" in raw else []
    if tags is None or any(not t for t in tags):
        fail("tag must be a tag key or a list of tag keys")
    return Rule(name, value, tuple(tags or ()), _where(raw.get("where"), fail))


def _dimension(name: str, raw: Any) -> Dimension:
    fail = _failer(f"allocation dimension {name}")
    if not isinstance(raw, dict):
        fail("must be a table ([allocation.dimensions.<name>])")
    _unknown_keys(raw, _DIMENSION_KEYS, fail)
    default = raw.get("default", DEFAULT_VALUE)
    if not isinstance(default, str) or not default:
        fail("default must be a non-empty string")
    rules_raw = raw.get("rules", [])
    if not isinstance(rules_raw, list):
        fail("rules must be an array of tables ([[allocation.dimensions.<name>.rules]])")
    seen: set[str] = set()
    rules = tuple(_rule(name, i, r, seen) for i, r in enumerate(rules_raw, start=1))
    return Dimension(name, default, rules)


def _shared(index: int, raw: Any, dims: dict[str, Dimension], seen: set[str]) -> SharedRule:
    name = raw.get("name") if isinstance(raw, dict) else None
    label = (
        f'shared allocation rule "{name}"'
        if isinstance(name, str) and name
        else f"shared allocation rule #{index}"
    )
    fail = _failer(label)
    if not isinstance(raw, dict):
        fail("must be a table ([[allocation.shared]])")
    if not isinstance(name, str) or not name:
        fail("missing name")
    assert isinstance(name, str)
    if name in seen:
        fail("duplicate name (shared rule names are unique)")
    seen.add(name)
    _unknown_keys(raw, _SHARED_KEYS, fail)
    dim = raw.get("dimension")
    if not isinstance(dim, str) or dim not in dims:
        fail(f"unknown dimension {dim!r} (configured: {', '.join(dims) or 'none'})")
    method = raw.get("method")
    if method not in METHODS:
        fail(f"unknown method {method!r} (use one of {', '.join(METHODS)})")
    if "where" not in raw:
        fail("missing where (which rows are shared)")
    where = _where(raw.get("where"), fail)
    targets = _strings(raw["to"]) if "to" in raw else []
    if targets is None or len(set(targets)) != len(targets):
        fail("to must be a list of distinct dimension values")
    weights: list[tuple[str, Decimal]] = []
    if method == "fixed":
        raw_weights = raw.get("weights")
        if not isinstance(raw_weights, dict) or not raw_weights:
            fail("method fixed needs weights = { value = percent, ... }")
        assert isinstance(raw_weights, dict)
        for value, pct in raw_weights.items():
            try:
                number = Decimal(str(pct))
            except InvalidOperation:
                number = Decimal(-1)
            if isinstance(pct, bool) or not isinstance(pct, int | float) or number < 0:
                fail(f"weight of {value} must be a non-negative number")
            weights.append((value, number.quantize(Decimal("0.000001"))))
        total = sum((w for _, w in weights), Decimal(0))
        if total != 100:
            fail(f"weights sum to {total.normalize():f}, not 100")
        if targets and set(targets) != {v for v, _ in weights}:
            fail("to and weights name different values (weights alone are enough)")
    elif "weights" in raw:
        fail(f"weights apply to method fixed only, not {method}")
    return SharedRule(name, dim or "", where, method or "", tuple(weights), tuple(targets or ()))


def parse(tree: dict[str, Any] | None) -> Allocation:
    """Validate the ``[allocation]`` tree (``settings.tree("allocation")``).

    Raises:
        ConfigError: one line naming the rule and what is wrong with it.
    """
    if not tree:
        return Allocation()
    fail = _failer("[allocation]")
    _unknown_keys(tree, ("dimensions", "shared"), fail)
    raw_dims = tree.get("dimensions", {})
    if not isinstance(raw_dims, dict):
        fail("dimensions must hold tables like [allocation.dimensions.team]")
    dims = {name: _dimension(name, raw) for name, raw in raw_dims.items()}
    raw_shared = tree.get("shared", [])
    if not isinstance(raw_shared, list):
        fail("shared must be an array of tables ([[allocation.shared]])")
    seen: set[str] = set()
    shared = tuple(_shared(i, r, dims, seen) for i, r in enumerate(raw_shared, start=1))
    return Allocation(tuple(dims.values()), shared)


def tree_json(tree: dict[str, Any]) -> str:
    """A config tree as JSON text (TOML dates as ISO text; keys in config order), as
    ``meta.config_trees`` keeps it."""
    return json.dumps(tree, default=str)
