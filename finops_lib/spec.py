"""FOCUS column lists per version, read from ``finops_lib/spec/focus_columns.json``.

The JSON is the machine-readable column table of the FOCUS specification (see spec/SOURCES.md).
``output_columns()`` is the column set of ``focus.cost_and_usage``: every FOCUS 1.2 column plus the
1.3 additions, alphabetical (the spec's order), then the ``x_`` extras of docs/CONTRACTS.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SPEC_FILE = Path(__file__).resolve().parent / "spec" / "focus_columns.json"
SUPPORTED_VERSIONS = ("1.2", "1.3")
DUCKDB_TYPES = {
    "Decimal": "DECIMAL(38,10)",
    "DateTime": "TIMESTAMPTZ",
    "String": "VARCHAR",
    "JSON": "JSON",
}
# The x_ columns after the FOCUS columns, the same for every provider (CONTRACTS.md): the row's
# identity, its export, delivery and load, and one JSON object of provider-specific extras, so
# that a new provider adds no column (and no rebuild) to the shared table.
X_COLUMNS: tuple[tuple[str, str], ...] = (
    ("x_provider", "VARCHAR"),
    ("x_export_name", "VARCHAR"),
    ("x_billing_period", "VARCHAR"),
    ("x_source_file", "VARCHAR"),
    ("x_source_row", "BIGINT"),
    ("x_load_id", "VARCHAR"),
    ("x_row_kind", "VARCHAR"),
    ("x_delivery_id", "VARCHAR"),
    ("x_extras", "JSON"),
)


@dataclass(frozen=True)
class Column:
    """One FOCUS column: its name, FOCUS data type and DuckDB type."""

    name: str
    focus_type: str
    duckdb_type: str
    nullable: bool


@cache
def _spec() -> tuple[dict[str, object], ...]:
    data = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    return tuple(c for c in data if c["dataset"] == "CostAndUsage")


def focus_columns(version: str) -> list[Column]:
    """The Cost and Usage columns of one FOCUS version, alphabetical.

    Raises:
        ValueError: the version is not one this project writes (1.2, 1.3).
    """
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"unsupported FOCUS version {version!r}; use one of {SUPPORTED_VERSIONS}")
    cols = [
        Column(str(c["name"]), str(c["type"]), DUCKDB_TYPES[str(c["type"])], bool(c["nullable"]))
        for c in _spec()
        if version in c["in_versions"]  # type: ignore[operator]
    ]
    return sorted(cols, key=lambda c: c.name)


def output_columns() -> list[tuple[str, str]]:
    """``(name, duckdb_type)`` of ``focus.cost_and_usage``: 1.2 + 1.3 columns, then x_ extras."""
    merged = {c.name: c.duckdb_type for v in SUPPORTED_VERSIONS for c in focus_columns(v)}
    return sorted(merged.items()) + list(X_COLUMNS)
