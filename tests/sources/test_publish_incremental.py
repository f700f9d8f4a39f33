"""An import publishes only the periods it loaded; a snapshot it cannot trust is rebuilt whole."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest

import finops_lib.publish as publish_mod
from finops_lib import db
from finops_lib.build import build, period_tables, rebuild_marts, table_sql
from finops_lib.publish import SCHEMA_FILE, SPARE_NAME, parquet_dir, snapshot_path
from tests.sources.small_cur import deliver, import_cur, settings


@pytest.fixture(autouse=True)
def patch_whenever_possible(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """These warehouses are tiny, so a file copy would always be the cheaper publish: the tests
    of patching the previous snapshot price the copy out (those named ``..._copy_priced_in`` keep
    the real prices)."""
    if "copy_priced_in" not in request.node.name:
        monkeypatch.setattr(publish_mod, "PATCH_FIXED_BYTES", 0)
        monkeypatch.setattr(publish_mod, "PATCH_BYTES_PER_ROW", 0)


def _differences(tmp: Path) -> tuple[int, int, int]:
    """Rows in one but not the other: warehouse vs snapshot, warehouse vs Parquet, and the count
    of FOCUS rows in the warehouse."""
    con = db.connect(tmp / "w.duckdb", read_only=True)
    try:
        con.execute(f"attach '{snapshot_path(settings(tmp))}' as snap (read_only)")
        glob = str(parquet_dir(settings(tmp)) / "focus__cost_and_usage" / "*.parquet")
        out = []
        for other in ("snap.focus.cost_and_usage", "read_parquet($g)"):
            params = {"g": glob} if "$g" in other else {}
            row = con.execute(
                f"select (select count(*) from (select * from focus.cost_and_usage except all "
                f"select * from {other})) + (select count(*) from (select * from {other} "
                f"except all select * from focus.cost_and_usage))",
                params,
            ).fetchone()
            out.append(row[0] if row else -1)
        total = con.execute("select count(*) from focus.cost_and_usage").fetchone()
        return out[0], out[1], total[0] if total else -1
    finally:
        con.close()


def _files(tmp: Path, table: str = "focus__cost_and_usage") -> dict[str, tuple[int, int]]:
    folder = parquet_dir(settings(tmp)) / table
    return {
        p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.glob("*.parquet")
        if p.name != SCHEMA_FILE
    }


def test_a_restated_month_republishes_only_that_month(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25", "2.50"] * 4)
    deliver(tmp_path / "bucket", "2024-02", "b1", ["3.00"])
    assert [x.period for x in import_cur(tmp_path).loaded] == ["2024-01", "2024-02"]
    assert _differences(tmp_path) == (0, 0, 9)
    before = _files(tmp_path)
    assert len(before) == 2
    snapshot_before = snapshot_path(settings(tmp_path)).stat().st_ino

    deliver(tmp_path / "bucket", "2024-02", "b2", ["4.00", "5.00", "6.00"])
    with caplog.at_level(logging.INFO, logger="finops_lib.publish"):
        result = import_cur(tmp_path)
    assert [x.period for x in result.loaded] == ["2024-02"]
    assert "1 changed period(s)" in caplog.text
    assert _differences(tmp_path) == (0, 0, 11)
    after = _files(tmp_path)
    assert after.keys() == before.keys()
    january = next(n for n in before if "2024-01" in n)
    february = next(n for n in before if "2024-02" in n)
    assert after[january] == before[january]  # not rewritten
    assert after[february] != before[february]
    assert snapshot_path(settings(tmp_path)).stat().st_ino != snapshot_before  # replaced whole
    con = duckdb.connect(str(snapshot_path(settings(tmp_path))), read_only=True)
    try:
        billed = con.execute(
            "select x_billing_period, sum(BilledCost) from focus.cost_and_usage group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    assert [(p, str(v)) for p, v in billed] == [
        ("2024-01", "15.0000000000"),
        ("2024-02", "15.0000000000"),
    ]


def test_a_month_that_is_most_of_the_rows_is_patched_without_copying_its_rows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25"])
    deliver(tmp_path / "bucket", "2024-02", "b1", ["3.00"])
    import_cur(tmp_path)
    deliver(tmp_path / "bucket", "2024-02", "b2", ["4.00", "5.00"])
    with caplog.at_level(logging.INFO, logger="finops_lib.publish"):
        import_cur(tmp_path)
    # FOCUS rows live in the store's files: the snapshot's file list is patched, whatever the share
    assert "1 changed period(s)" in caplog.text
    assert _differences(tmp_path) == (0, 0, 3)


def test_a_build_between_publishes_makes_the_next_publish_whole(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25"])
    import_cur(tmp_path)
    con = db.connect(tmp_path / "w.duckdb")
    build(con)  # a full rebuild, not published
    con.close()
    deliver(tmp_path / "bucket", "2024-02", "b1", ["3.00"])
    with caplog.at_level(logging.INFO, logger="finops_lib.publish"):
        import_cur(tmp_path)
    assert "not reusable" in caplog.text and "(everything)" in caplog.text
    assert _differences(tmp_path) == (0, 0, 2)


def test_a_snapshot_of_another_warehouse_is_not_patched(tmp_path: Path) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25"])
    import_cur(tmp_path)
    # another warehouse publishes to the same folder (same build count, other rows)
    other = tmp_path / "other"
    deliver(other / "bucket", "2024-01", "x1", ["9.00", "9.00"])
    import_cur(other)
    snapshot_path(settings(tmp_path)).write_bytes(snapshot_path(settings(other)).read_bytes())
    deliver(tmp_path / "bucket", "2024-02", "b1", ["3.00"])
    import_cur(tmp_path)
    assert _differences(tmp_path) == (0, 0, 2)


def test_a_rerun_builds_and_publishes_what_a_failed_import_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import finops_lib.pipeline

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("interrupted")

    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25"])
    with monkeypatch.context() as m:
        m.setattr(finops_lib.pipeline, "build", broken)
        with pytest.raises(RuntimeError):
            import_cur(tmp_path)  # the load committed, the build did not run
    again = import_cur(tmp_path)
    assert again.loaded == [] and again.unbuilt == [("AWS", "r", "2024-01")]
    assert _differences(tmp_path) == (0, 0, 1)

    deliver(tmp_path / "bucket", "2024-02", "b1", ["3.00"])
    with monkeypatch.context() as m:
        m.setattr(finops_lib.pipeline, "publish", broken)
        with pytest.raises(RuntimeError):
            import_cur(tmp_path)  # loaded and built, not published
    third = import_cur(tmp_path)
    assert third.loaded == [] and third.unbuilt == [] and third.published
    assert _differences(tmp_path) == (0, 0, 2)
    assert import_cur(tmp_path).published is None  # nothing left to do


def test_a_damaged_snapshot_is_replaced_whole(tmp_path: Path) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25"] * 4)
    import_cur(tmp_path)
    snap = snapshot_path(settings(tmp_path))
    snap.write_bytes(snap.read_bytes()[:5000])  # truncated, as by a full disk
    deliver(tmp_path / "bucket", "2024-02", "b1", ["3.00"])
    result = import_cur(tmp_path)
    assert result.loaded and result.published
    assert _differences(tmp_path) == (0, 0, 5)


def test_parquet_of_an_older_layout_or_an_interrupted_write_is_rewritten_whole(
    tmp_path: Path,
) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25"] * 4)
    import_cur(tmp_path)
    out = parquet_dir(settings(tmp_path))
    folder = out / "focus__cost_and_usage"
    # as an older version left it: one file per table, no folders
    legacy = out / "focus__cost_and_usage.parquet"
    legacy.write_bytes(b"old")
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()
    deliver(tmp_path / "bucket", "2024-02", "b1", ["3.00"])
    result = import_cur(tmp_path)
    assert result.published and not legacy.exists()
    assert _differences(tmp_path) == (0, 0, 5)  # January's file is back too
    # a write interrupted after it removed the completeness marker
    (folder / SCHEMA_FILE).unlink()
    next(p for p in folder.iterdir() if "2024-01" in p.name).unlink()
    deliver(tmp_path / "bucket", "2024-02", "b2", ["4.00"])
    import_cur(tmp_path)
    assert _differences(tmp_path) == (0, 0, 5)
    assert (folder / SCHEMA_FILE).exists()


def _mart_rows(con: duckdb.DuckDBPyConnection, period: str) -> dict[str, list[tuple]]:
    """Every per-period table's rows of ``period``, sorted."""
    out = {}
    for table, column in period_tables().items():
        rows = con.execute(
            f"select * from {table_sql(table)} where {column} = $p",  # noqa: S608 - our names
            {"p": period},
        ).fetchall()
        out[table] = sorted(rows, key=repr)
    return out


def _published_differences(tmp: Path) -> dict[str, int]:
    """Rows in one but not the other, warehouse vs snapshot, per published table."""
    con = db.connect(tmp / "w.duckdb", read_only=True)
    try:
        con.execute(f"attach '{snapshot_path(settings(tmp))}' as snap (read_only)")
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_catalog = 'w' and table_schema in ('focus', 'marts', 'meta') order by 1"
        ).fetchall()
        out = {}
        for (table,) in tables:
            name = table_sql(table)
            row = con.execute(
                f"select (select count(*) from (from {name} except all from snap.{name})) + "  # noqa: S608
                f"(select count(*) from (from snap.{name} except all from {name}))"
            ).fetchone()
            out[table] = row[0] if row else -1
        return out
    finally:
        con.close()


def test_a_restated_month_replaces_only_its_mart_rows_as_a_full_rebuild_would(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25", "2.50", "0.10"] * 3)
    deliver(tmp_path / "bucket", "2024-02", "b1", ["3.00", "7.00"])
    import_cur(tmp_path)
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    january, february = _mart_rows(con, "2024-01"), _mart_rows(con, "2024-02")
    con.close()
    assert january["marts.daily_cost"] and february["marts.daily_cost"]
    files = _files(tmp_path, "marts__daily_cost")
    assert len(files) == 2  # one Parquet file per billing period

    deliver(tmp_path / "bucket", "2024-02", "b2", ["4.00", "5.00", "6.50", "0.01"])
    with caplog.at_level(logging.INFO, logger="finops_lib.publish"):
        import_cur(tmp_path)
    assert "1 changed period(s)" in caplog.text
    after = _files(tmp_path, "marts__daily_cost")
    assert after.keys() == files.keys()
    assert [n for n in files if files[n] != after[n]] == [n for n in files if "2024-02" in n]
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    try:
        full, whole = con.execute(
            "select full_rebuild, whole_tables from meta.build_log order by built_at desc limit 1"
        ).fetchone() or (None, None)
        assert (full, whole) == (False, "")  # every mart patched, none rebuilt whole
        assert _mart_rows(con, "2024-01") == january  # the other month's rows untouched
        assert _mart_rows(con, "2024-02")["marts.daily_cost"] != february["marts.daily_cost"]
        billed = con.execute(
            "select sum(billed_cost) from marts.daily_cost where billing_period = '2024-02'"
        ).fetchone()
        assert billed and str(billed[0]) == "15.5100000000"
    finally:
        con.close()

    # the same marts, made whole from the same FOCUS rows, in a copy of the warehouse
    copy = tmp_path / "full.duckdb"
    copy.write_bytes((tmp_path / "w.duckdb").read_bytes())
    con = db.connect(copy)
    try:
        rebuild_marts(con)
        con.execute(f"attach '{tmp_path / 'w.duckdb'}' as inc (read_only)")
        for table in period_tables():
            if table == "marts.cost_allocation":
                continue  # made by allocation.apply, tested in tests/sql/test_allocation.py
            name = table_sql(table)
            row = con.execute(
                f"select (select count(*) from (from {name} except all from inc.{name})) + "  # noqa: S608
                f"(select count(*) from (from inc.{name} except all from {name})), "
                f"(select count(*) from {name})"
            ).fetchone()
            assert row and row[0] == 0, table
            assert row[1] > 0 or table == "marts.commitments", table  # no commitment in the CSV
    finally:
        con.close()
    assert set(_published_differences(tmp_path).values()) == {0}


def test_a_publish_patches_the_previous_snapshot_unless_it_is_open(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25"] * 6)
    deliver(tmp_path / "bucket", "2024-02", "b1", ["3.00"])
    import_cur(tmp_path)  # everything
    spare = snapshot_path(settings(tmp_path)).with_name(SPARE_NAME)
    assert not spare.exists()
    deliver(tmp_path / "bucket", "2024-02", "b2", ["4.00"])
    with caplog.at_level(logging.INFO, logger="finops_lib.publish"):
        import_cur(tmp_path)
    assert "patching a copy of the current snapshot" in caplog.text  # the first has no spare
    assert spare.exists()
    caplog.clear()

    # two builds behind: the spare is brought up to date with both
    deliver(tmp_path / "bucket", "2024-02", "b3", ["2.00", "2.50"])
    with caplog.at_level(logging.INFO, logger="finops_lib.publish"):
        import_cur(tmp_path)
    assert "patching the previous snapshot" in caplog.text
    assert "1 changed period(s)" in caplog.text
    assert set(_published_differences(tmp_path).values()) == {0}
    assert _differences(tmp_path) == (0, 0, 8)
    caplog.clear()

    # a reader of this process holds the spare (the snapshot it opened before the last publish)
    reader = duckdb.connect(str(spare), read_only=True)
    try:
        seen = reader.execute(
            "select count(*), sum(BilledCost) from focus.cost_and_usage"
        ).fetchone()
        deliver(tmp_path / "bucket", "2024-02", "b4", ["8.00"])
        with caplog.at_level(logging.INFO, logger="finops_lib.publish"):
            import_cur(tmp_path)
        assert "patching the previous snapshot" not in caplog.text
        assert "patching a copy of the current snapshot" in caplog.text
        again = reader.execute("select count(*), sum(BilledCost) from focus.cost_and_usage")
        assert again.fetchone() == seen  # what it reads did not change under it
    finally:
        reader.close()
    assert set(_published_differences(tmp_path).values()) == {0}
    assert _differences(tmp_path) == (0, 0, 7)


def test_a_small_warehouse_is_published_as_a_file_copy_then_patched_when_copy_priced_in(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25", "2.50"] * 4)
    deliver(tmp_path / "bucket", "2024-02", "b1", ["3.00"])
    import_cur(tmp_path)  # the first publish: a file copy, raw rows and staging dropped from it
    snap = duckdb.connect(str(snapshot_path(settings(tmp_path))), read_only=True)
    try:
        schemas = snap.execute(
            "select distinct table_schema from information_schema.tables order by 1"
        ).fetchall()
    finally:
        snap.close()
    assert schemas == [("focus",), ("marts",), ("meta",)]
    assert set(_published_differences(tmp_path).values()) == {0}
    before = _files(tmp_path)

    deliver(tmp_path / "bucket", "2024-02", "b2", ["4.00", "5.00"])
    with caplog.at_level(logging.INFO, logger="finops_lib.publish"):
        # a restatement: the previous snapshot patched (FOCUS is in the store, so a patch
        # copies no FOCUS row and is cheaper than any file copy), one month's files
        import_cur(tmp_path)
    assert "patching" in caplog.text and "1 changed period(s)" in caplog.text
    after = _files(tmp_path)
    january = next(n for n in before if "2024-01" in n)
    assert after[january] == before[january]
    assert set(_published_differences(tmp_path).values()) == {0}
    assert _differences(tmp_path) == (0, 0, 10)


def test_a_copy_with_a_reader_on_the_old_snapshot_leaves_what_it_reads_when_copy_priced_in(
    tmp_path: Path,
) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25"])
    import_cur(tmp_path)
    reader = duckdb.connect(str(snapshot_path(settings(tmp_path))), read_only=True)
    try:
        seen = reader.execute("select count(*), sum(BilledCost) from focus.cost_and_usage")
        first = seen.fetchone()
        deliver(tmp_path / "bucket", "2024-01", "a2", ["2.00", "3.00"])
        import_cur(tmp_path)
        again = reader.execute("select count(*), sum(BilledCost) from focus.cost_and_usage")
        assert again.fetchone() == first
    finally:
        reader.close()
    assert _differences(tmp_path) == (0, 0, 2)
