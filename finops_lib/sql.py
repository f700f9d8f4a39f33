"""The only reader of ``queries/``: load SQL files, bind parameters, quote identifiers."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REQUIRES = re.compile(r"^--\s*requires:\s*(.+)$", re.M)


def quote_ident(name: str) -> str:
    """Quote one identifier for DuckDB; the one way identifiers enter SQL text."""
    return '"' + name.replace('"', '""') + '"'


def safe_name(name: str) -> str:
    """A name we generate (schema, table, view), validated against a strict pattern and returned
    as it is: for an engine that quotes differently, a folder, or an API that takes a name."""
    if not _IDENT.match(name):
        raise ValueError(f"not a safe identifier: {name!r}")
    return name


def safe_ident(name: str) -> str:
    """Validate a name we generate (schema, table) against a strict pattern, then quote it."""
    return quote_ident(safe_name(name))


@cache
def load(name: str) -> str:
    """Return the text of ``queries/<name>.sql`` (``name`` like ``focus/cost_and_usage``)."""
    path = (QUERIES_DIR / f"{name}.sql").resolve()
    if QUERIES_DIR not in path.parents:
        raise ValueError(f"query name escapes queries/: {name!r}")
    return path.read_text(encoding="utf-8")


def requires(name: str) -> list[str]:
    """Relations a query file needs (its ``-- requires: schema.table, ...`` header line)."""
    found = _REQUIRES.search(load(name))
    return [r.strip() for r in found.group(1).split(",")] if found else []


def names(folder: str) -> list[str]:
    """Query names in one folder of ``queries/``, sorted (the file prefix orders them)."""
    return sorted(f"{folder}/{p.stem}" for p in (QUERIES_DIR / folder).glob("*.sql"))


def run(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Execute a stored query with bound ``$name`` parameters and return the cursor."""
    text = load(name)
    if params:
        used = {k: v for k, v in params.items() if f"${k}" in text}
        return con.execute(text, used)
    return con.execute(text)
