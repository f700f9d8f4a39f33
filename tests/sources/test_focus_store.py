"""FOCUS rows kept as Parquet files (finops_lib.focus_store): written once by the build, read by
the warehouse, the snapshot and Metabase; replaced files outlive the readers that saw them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from finops_lib import build as build_mod
from finops_lib import db, focus_store
from finops_lib.build import build
from finops_lib.errors import FinopsError
from finops_lib.pipeline import import_provider
from finops_lib.publish import parquet_dir, snapshot_path
from finops_lib.spec import output_columns
from tests.sources.small_cur import deliver, import_cur, settings


def _billed(path: Path) -> list[tuple[str, str]]:
    con = db.connect(path, read_only=True)
    try:
        rows = con.execute(
            "select x_billing_period, sum(BilledCost)::varchar from focus.cost_and_usage "
            "group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    return [(str(p), str(v)) for p, v in rows]


def _listed(tmp: Path) -> list[focus_store.Written]:
    con = db.connect(tmp / "w.duckdb", read_only=True)
    try:
        return focus_store.files(con)
    finally:
        con.close()


def test_an_import_writes_one_file_per_scope_that_warehouse_snapshot_and_metabase_share(
    tmp_path: Path,
) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25", "2.50"])
    deliver(tmp_path / "bucket", "2024-02", "b1", ["3.00"])
    import_cur(tmp_path)
    store = tmp_path / "published" / "focus"
    listed = _listed(tmp_path)
    assert [(scope, n) for scope, _, n in listed] == [
        (("AWS", "r", "2024-01"), 2),
        (("AWS", "r", "2024-02"), 1),
    ]
    assert sorted(p.name for p in store.glob("*.parquet")) == sorted(
        Path(p).name for _, p, _ in listed
    )
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    try:
        kind = con.execute(
            "select table_type from information_schema.tables "
            "where table_schema = 'focus' and table_name = 'cost_and_usage'"
        ).fetchone()
        types = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'focus' and table_name = 'cost_and_usage' order by ordinal_position"
        ).fetchall()
    finally:
        con.close()
    assert kind == ("VIEW",)
    norm = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}
    assert [(n, t) for n, t in types] == [(n, norm.get(t, t)) for n, t in output_columns()]
    want = [("2024-01", "3.7500000000"), ("2024-02", "3.0000000000")]
    assert _billed(tmp_path / "w.duckdb") == want
    assert _billed(snapshot_path(settings(tmp_path))) == want
    # Metabase's folder: the same files (hard links), no copy of the rows
    published = sorted(
        (parquet_dir(settings(tmp_path)) / "focus__cost_and_usage").glob("*.parquet")
    )
    inodes = {os.stat(p).st_ino for _, p, _ in listed}
    assert {os.stat(p).st_ino for p in published if p.name != "_schema.parquet"} == inodes


def test_a_restatement_writes_a_new_file_and_an_earlier_reader_keeps_its_rows(
    tmp_path: Path,
) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25"])
    deliver(tmp_path / "bucket", "2024-02", "b1", ["3.00"])
    import_cur(tmp_path)
    before = dict((s, p) for s, p, _ in _listed(tmp_path))
    reader = duckdb.connect(str(snapshot_path(settings(tmp_path))), read_only=True)
    try:
        deliver(tmp_path / "bucket", "2024-02", "b2", ["4.00", "5.00"])
        import_cur(tmp_path)
        after = dict((s, p) for s, p, _ in _listed(tmp_path))
        assert after[("AWS", "r", "2024-01")] == before[("AWS", "r", "2024-01")]  # untouched
        old, new = before[("AWS", "r", "2024-02")], after[("AWS", "r", "2024-02")]
        assert old != new and Path(old).exists()  # retired, kept for readers
        # the reader opened before the restatement still sees what it saw
        seen = reader.execute(
            "select sum(BilledCost)::varchar from focus.cost_and_usage where x_billing_period = '2024-02'"
        ).fetchone()
        assert seen == ("3.0000000000",)
    finally:
        reader.close()
    assert _billed(snapshot_path(settings(tmp_path)))[-1] == ("2024-02", "9.0000000000")
    con = db.connect(tmp_path / "w.duckdb")
    try:
        assert focus_store.sweep(con, tmp_path / "published" / "focus", retain=0) == 1
    finally:
        con.close()
    assert not Path(old).exists() and Path(new).exists()
    assert _billed(tmp_path / "w.duckdb") == [
        ("2024-01", "1.2500000000"),
        ("2024-02", "9.0000000000"),
    ]


def test_a_failed_build_leaves_the_rows_and_files_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25"])
    import_cur(tmp_path)
    store = tmp_path / "published" / "focus"
    files_before = sorted(p.name for p in store.iterdir())
    con = db.connect(tmp_path / "w.duckdb")

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise FinopsError("mart queries/marts/x.sql failed: broken")

    try:
        monkeypatch.setattr(build_mod, "rebuild_marts", broken)
        with pytest.raises(FinopsError):
            build(con, changed=[("AWS", "r", "2024-01")])
        assert sorted(p.name for p in store.iterdir()) == files_before  # the new file removed
        assert con.execute(
            "select sum(BilledCost)::varchar from focus.cost_and_usage"
        ).fetchone() == ("1.2500000000",)
    finally:
        con.close()


def test_a_warehouse_with_a_focus_table_moves_its_rows_to_the_store(tmp_path: Path) -> None:
    deliver(tmp_path / "bucket", "2024-01", "a1", ["1.25", "2.00"])
    deliver(tmp_path / "bucket", "2024-02", "b1", ["4.00"])
    s = settings(tmp_path)
    con = db.connect(tmp_path / "w.duckdb")
    try:  # a warehouse of before the store: FOCUS as a DuckDB table
        import_provider(
            "aws",
            s,
            bucket=str(tmp_path / "bucket"),
            prefix="p",
            export_name="r",
            cur_version="v1",
            con=con,
        )
        con.execute("drop view focus.cost_and_usage")
        con.execute("drop table meta.focus_files")
        build(con)  # no store: a table
        kind = con.execute(
            "select table_type from information_schema.tables where table_name = 'cost_and_usage'"
        ).fetchone()
        assert kind == ("BASE TABLE",)
        result = build(con, changed=[("AWS", "r", "2024-01")], store=focus_store.folder(s))
        assert result.full  # every scope written to the store: one COPY, split by scope
        assert focus_store.in_use(con)
        assert [(scope, n) for scope, _, n in focus_store.files(con)] == [
            (("AWS", "r", "2024-01"), 2),
            (("AWS", "r", "2024-02"), 1),
        ]
        totals = con.execute(
            "select x_billing_period, sum(BilledCost)::varchar from focus.cost_and_usage "
            "group by 1 order by 1"
        ).fetchall()
        assert totals == [("2024-01", "3.2500000000"), ("2024-02", "4.0000000000")]
    finally:
        con.close()


def test_a_store_path_with_a_quote_is_refused() -> None:
    with pytest.raises(FinopsError, match="quote"):
        focus_store.literal("/tmp/it's/focus")


def test_a_copied_data_folder_is_re_pointed_to_its_own_files_without_a_rebuild(
    tmp_path: Path,
) -> None:
    first = tmp_path / "first"
    deliver(first / "bucket", "2024-01", "a1", ["1.25", "2.50"])
    import_cur(first)
    second = tmp_path / "second"
    shutil.copytree(first, second)  # a backup restored elsewhere, a project folder moved
    shutil.rmtree(first / "published")
    result = import_cur(second)  # nothing new to load: the store is re-pointed, nothing rebuilt
    assert result.build is not None and not result.build.full
    assert result.build.rows_inserted == 0
    assert all(p.startswith(str(second / "published" / "focus")) for _, p, _ in _listed(second))
    want = [("2024-01", "3.7500000000")]
    assert _billed(second / "w.duckdb") == want
    assert _billed(snapshot_path(settings(second))) == want


def test_changed_scopes_are_written_per_run_of_consecutive_months_of_one_export() -> None:
    runs = build_mod.scope_runs(
        [
            ("AWS", "r", "2024-03"),
            ("AWS", "r", "2024-01"),
            ("AWS", "r", "2023-12"),
            ("AWS", "s", "2024-02"),
            ("Azure", "r", "2024-02"),
            ("Azure", "r", "2024-02"),
            ("GCP", "g", "FY24"),
            ("GCP", "g", "FY25"),
        ]
    )
    assert runs == [
        (build_mod.SCOPE_MONTHS, {"sp": "AWS", "se": "r", "sb": "2023-12", "sl": "2024-01"}),
        (build_mod.SCOPE_EQUALS, {"sp": "AWS", "se": "r", "sb": "2024-03"}),
        (build_mod.SCOPE_EQUALS, {"sp": "AWS", "se": "s", "sb": "2024-02"}),
        (build_mod.SCOPE_EQUALS, {"sp": "Azure", "se": "r", "sb": "2024-02"}),
        (build_mod.SCOPE_EQUALS, {"sp": "GCP", "se": "g", "sb": "FY24"}),
        (build_mod.SCOPE_EQUALS, {"sp": "GCP", "se": "g", "sb": "FY25"}),
    ]


@pytest.mark.parametrize("restated", [("2024-01", "2024-02"), ("2024-01", "2024-03")])
def test_restating_several_months_rewrites_those_and_keeps_the_others(
    tmp_path: Path, restated: tuple[str, str]
) -> None:
    bucket = tmp_path / "bucket"
    for period, cost in (("2024-01", "1.00"), ("2024-02", "2.00"), ("2024-03", "4.00")):
        deliver(bucket, period, "a1", [cost])
    import_cur(tmp_path)
    before = {scope[2]: path for scope, path, _ in _listed(tmp_path)}
    for period in restated:
        deliver(bucket, period, "a2", ["10.00", "0.01"])
    import_cur(tmp_path)
    after = {scope[2]: path for scope, path, _ in _listed(tmp_path)}
    assert sorted(after) == ["2024-01", "2024-02", "2024-03"]
    for period in after:
        assert (after[period] == before[period]) == (period not in restated)
    billed = dict(_billed(tmp_path / "w.duckdb"))
    assert billed == {
        p: ("10.0100000000" if p in restated else v)
        for p, v in (
            ("2024-01", "1.0000000000"),
            ("2024-02", "2.0000000000"),
            ("2024-03", "4.0000000000"),
        )
    }


def test_a_scope_build_of_the_cur_mapping_reads_only_that_scopes_raw_rows(tmp_path: Path) -> None:
    """Restating one month costs that month, not the warehouse's history: every scan of the raw
    table by the AWS mapping, filtered to one scope as the build filters it, reads only the
    scope's rows (a lookup CTE of the distinct pricing units once read every period's)."""
    import json

    from finops_lib import sql

    for period, rows in (("2024-01", 3), ("2024-02", 5), ("2024-03", 7)):
        deliver(tmp_path / "bucket", period, f"a-{period}", ["1.00"] * rows)
    import_cur(tmp_path)
    profile = tmp_path / "profile.json"
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    try:
        provider, export = con.execute(
            "select distinct x_provider, x_export_name from raw_aws.cur"
        ).fetchone() or ("", "")
        con.execute("set enable_profiling = 'json'")
        con.execute("set profiling_output = $p", {"p": str(profile)})
        query = (
            f"select * from ({sql.load('focus/sources/aws_cur')}) as src "  # noqa: S608 - fixed text
            f"where {build_mod.SCOPE_EQUALS}"
        )
        got = con.execute(query, {"sp": provider, "se": export, "sb": "2024-02"}).fetchall()
        con.execute("set enable_profiling = 'no_output'")
    finally:
        con.close()
    assert len(got) == 5

    def raw_scans(node: dict) -> list[int]:
        table = str((node.get("extra_info") or {}).get("Table", ""))
        own = [node["operator_cardinality"]] if table.endswith("raw_aws.cur") else []
        return own + [n for child in node.get("children", []) for n in raw_scans(child)]

    scans = raw_scans(json.loads(profile.read_text()))
    assert scans, "the profile shows no scan of raw_aws.cur"
    assert max(scans) == 5, f"a scan of raw_aws.cur read {scans} rows for a 5-row scope"
