"""The Parquet of a small table is written by one partitioned COPY: the same files, names and rows
as one COPY per key (``finops_lib.publish.PARTITIONED_COPY_ROWS``)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from focus_fixture import build

from finops_lib import publish as publish_module
from finops_lib import sql
from finops_lib.config import load_settings
from finops_lib.publish import SCHEMA_FILE, parquet_dir, publish

ODD = "odd/name=%20 é"  # an export name that is not a file name as it stands


@pytest.fixture(scope="module")
def published_both_ways(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The fixture warehouse (one export renamed to :data:`ODD`) published twice: one COPY per
    key, then the partitioned COPY; the two Parquet folders and the warehouse."""
    root = tmp_path_factory.mktemp("partitions")
    database = build(root / "finops.duckdb")
    con = duckdb.connect(str(database))
    try:
        name = con.execute("select min(x_export_name) from focus.cost_and_usage").fetchone()
        assert name is not None
        con.execute(
            "update focus.cost_and_usage set x_export_name = $odd where x_export_name = $n",
            {"odd": ODD, "n": name[0]},
        )
        for mart in sql.names("marts"):
            sql.run(con, mart)
    finally:
        con.close()
    out = []
    calls: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        real = publish_module._copy_partitions  # noqa: SLF001 - counted, to know which way ran
        mp.setattr(
            publish_module,
            "_copy_partitions",
            lambda con, src, *a: calls.append(src) or real(con, src, *a),
        )
        for label, rows in (("per-key", -1), ("partitioned", publish_module.PARTITIONED_COPY_ROWS)):
            mp.setattr(publish_module, "PARTITIONED_COPY_ROWS", rows)
            settings = load_settings(env={"OPEN_FINOPS_PROJECT_PUBLISH_DIR": str(root / label)})
            publish(database, settings)
            out.append(parquet_dir(settings))
            # one COPY per key, then the partitioned COPY of the FOCUS table and every period mart
            assert (label == "per-key") == (not calls), calls
    return out[0], out[1], database


def _files(folder: Path) -> dict[str, list[str]]:
    return {
        d.name: sorted(f.name for f in d.iterdir()) for d in sorted(folder.iterdir()) if d.is_dir()
    }


def test_partitioned_write_gives_the_same_file_names(published_both_ways) -> None:
    per_key, partitioned, _ = published_both_ways
    names = _files(per_key)
    assert names == _files(partitioned)
    # several files per table (the fixture has 3 months of several providers), and the schema
    assert len(names["focus__cost_and_usage"]) > 3 and len(names["marts__daily_cost"]) > 3
    assert SCHEMA_FILE in names["focus__cost_and_usage"]


def test_partitioned_write_gives_the_same_rows_and_columns_per_file(published_both_ways) -> None:
    per_key, partitioned, database = published_both_ways
    con = duckdb.connect()
    try:
        for folder, names in _files(per_key).items():
            for name in names:
                a, b = str(per_key / folder / name), str(partitioned / folder / name)
                cols = [
                    con.execute(f"describe select * from read_parquet('{p}')").fetchall()  # noqa: S608 - our path
                    for p in (a, b)
                ]
                assert cols[0] == cols[1], (folder, name)
                for left, right in ((a, b), (b, a)):
                    diff = con.execute(
                        "select count(*) from (select * from read_parquet($l) "
                        "except all select * from read_parquet($r))",
                        {"l": left, "r": right},
                    ).fetchone()
                    assert diff == (0,), (folder, name)
        # and the odd export's rows are all there, one file per provider and period
        con.execute(f"attach '{database}' as w (read_only)")
        got = con.execute(
            "select count(distinct filename), count(*) from read_parquet($g, filename = true) "
            "where x_export_name = $odd",
            {"g": str(partitioned / "focus__cost_and_usage" / "*.parquet"), "odd": ODD},
        ).fetchone()
        want = con.execute(
            "select count(distinct (x_provider, x_billing_period)), count(*) "
            "from w.focus.cost_and_usage "
            "where x_export_name = $odd",
            {"odd": ODD},
        ).fetchone()
        assert got == want and want[1] > 0
    finally:
        con.close()


@pytest.mark.parametrize("restated", [False, True])
def test_a_table_left_empty_loses_its_files(tmp_path: Path, restated: bool) -> None:
    """A table with no row left (e.g. ``marts.cost_allocation`` once its rules are gone) writes
    no key file, by either path, and keeps its schema file: the partitioned COPY writes nothing
    then, which must not be read back as an error."""
    con = duckdb.connect()
    try:
        con.execute("create table t (x_billing_period varchar, v integer)")
        con.execute("insert into t values ('2026-01', 1), ('2026-02', 2), ('2026-02', 3)")
        folder = tmp_path / "t"
        folder.mkdir()
        columns = ("x_billing_period",)
        publish_module._write_partitioned(con, "t", folder, columns, None)  # noqa: SLF001
        assert sorted(p.name for p in folder.glob("*.parquet")) == sorted(
            [SCHEMA_FILE] + [publish_module.scope_file((m,)) for m in ("2026-01", "2026-02")]
        )
        con.execute("delete from t")
        keys = [("2026-01",), ("2026-02",)] if restated else None
        publish_module._write_partitioned(con, "t", folder, columns, keys)  # noqa: SLF001
        assert [p.name for p in folder.glob("*.parquet")] == [SCHEMA_FILE]
        assert not list(folder.glob(".partitions-*"))
    finally:
        con.close()
