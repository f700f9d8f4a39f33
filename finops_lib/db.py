"""The one place that opens the warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb

from finops_lib.errors import FinopsError


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB warehouse with the session in UTC.

    Args:
        path: the database file (``:memory:`` for tests).
        read_only: analysis code opens read-only so that many readers can share the file.

    Raises:
        FinopsError: the file is missing (read-only) or locked by a writer.
    """
    target = str(path)
    if target != ":memory:":
        p = Path(target)
        if read_only and not p.exists():
            raise FinopsError(
                f"warehouse {p} does not exist",
                hint="run `./finops demo` or `finops aws import-cur` first",
            )
        if not read_only:
            p.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.IOException as exc:
        raise FinopsError(
            f"cannot open warehouse {target}: {exc}",
            hint="another process holds the write lock; wait for it or use the published snapshot",
        ) from None
    con.execute("SET TimeZone = 'UTC'")
    return con
