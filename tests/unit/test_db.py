"""The warehouse file's storage format (finops_lib.db.STORAGE_VERSION)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from finops_lib import db


def _version(con: duckdb.DuckDBPyConnection, name: str) -> str:
    row = con.execute(
        "select tags['storage_version'] from duckdb_databases() where database_name = $n",
        {"n": name},
    ).fetchone()
    assert row is not None, name
    return str(row[0])


def test_a_new_warehouse_and_the_files_it_attaches_use_the_current_format(tmp_path: Path) -> None:
    con = db.connect(tmp_path / "w.duckdb")
    try:
        assert _version(con, "w").startswith(db.STORAGE_VERSION)
        con.execute(f"attach '{tmp_path / 'snap.duckdb'}' as snap")  # as publish attaches
        assert _version(con, "snap").startswith(db.STORAGE_VERSION)
        con.execute(
            "create table t as select range as i, 'x' || (range % 50) as s from range(100000)"
        )
        con.execute("checkpoint")
        compression = {
            r[0]
            for r in con.execute(
                "select compression from pragma_storage_info('t') where segment_type = 'VARCHAR'"
            ).fetchall()
        }
    finally:
        con.close()
    # DICT_FSST exists only in the 1.5 format (the 1.0 format writes this column as Dictionary)
    assert compression == {"DICT_FSST"}
    # a plain DuckDB connection (notebooks, the Metabase driver) opens it without settings
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as plain:
        assert plain.execute("select count(*), max(i) from t").fetchone() == (100000, 99999)
        assert _version(plain, "w").startswith(db.STORAGE_VERSION)


def test_a_warehouse_in_the_older_format_keeps_it_and_still_works(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:  # DuckDB's default format, as earlier versions made
        old.execute("create table t as select 1 as i")
        before = _version(old, "old")
    assert not before.startswith(db.STORAGE_VERSION)
    con = db.connect(path)
    try:
        con.execute("insert into t values (2)")
        assert _version(con, "old") == before
        assert con.execute("select sum(i) from t").fetchone() == (3,)
    finally:
        con.close()


def test_a_plain_connection_in_the_same_process_is_not_refused(tmp_path: Path) -> None:
    """The format is chosen when the file is created, not by the connection's configuration:
    DuckDB refuses a second connection to a file opened with another configuration."""
    con = db.connect(tmp_path / "w.duckdb")
    try:
        con.execute("create table t as select 1 as i")
        con.execute("checkpoint")
        other = duckdb.connect(str(tmp_path / "w.duckdb"))
        try:
            assert other.execute("select i from t").fetchone() == (1,)
        finally:
            other.close()
    finally:
        con.close()


def test_restating_a_period_again_and_again_does_not_grow_the_table(tmp_path: Path) -> None:
    """Writers do not merge row groups at checkpoints (``max_vacuum_tasks = 0``: the merge rewrote
    the neighbouring period's rows on every restatement); the row groups a restatement empties
    are still dropped, so restating does not make the table or the file grow."""
    path = tmp_path / "w.duckdb"
    con = db.connect(path)
    try:
        assert con.execute("select current_setting('max_vacuum_tasks')").fetchone() == (0,)
        con.execute(
            "create table raw as select p as period, i, 'row ' || i as s "
            "from range(3) as a(p), range(100000) as b(i) order by p, i"
        )
        con.execute("checkpoint")

        def groups() -> int:
            row = con.execute(
                "select count(distinct row_group_id) from pragma_storage_info('raw')"
            ).fetchone()
            return int(row[0]) if row else 0

        start, size = groups(), path.stat().st_size
        for _ in range(5):  # the last period restated: deleted and loaded again
            con.execute("begin")
            con.execute("delete from raw where period = 2")
            con.execute(
                "insert into raw select 2, i, 'row ' || i from range(100000) as b(i) order by i"
            )
            con.execute("commit")
            con.execute("checkpoint")
        assert con.execute("select count(*), count(distinct period) from raw").fetchone() == (
            300000,
            3,
        )
        assert groups() <= start + 1
        assert path.stat().st_size < 1.5 * size
    finally:
        con.close()
    with duckdb.connect(str(path), read_only=True) as plain:  # a reader's default is untouched
        assert plain.execute("select current_setting('max_vacuum_tasks')").fetchone() != (0,)
