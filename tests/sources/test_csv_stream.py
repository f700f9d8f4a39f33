"""The CSV import's streams (``reader.insert_files``): small files parsed and packed ahead on
threads of their own while DuckDB inserts them, those of one header in one ``INSERT`` (on one
DuckDB thread when few rows). Rows arrive whole and numbered within their file across the stream's
batches and files, a damaged file or a bad value fails naming its file, no read-ahead thread
outlives the load, and DuckDB's ``threads`` setting is what it was after it, even when the insert
failed inside the load's transaction.
"""

from __future__ import annotations

import csv
import gzip
import threading
from pathlib import Path

import duckdb
import pytest

from finops_lib.errors import InputError
from finops_lib.sources.aws_cur import reader
from finops_lib.sources.aws_cur.reader import (
    ONE_THREAD_ROWS,
    arrow_source,
    columns,
    cur_plan,
    estimated_rows,
    insert_files,
    insert_groups,
)

HEADER = [
    "identity/LineItemId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UnblendedCost",
    "product/ProductName",
]


def _write(path: Path, first: int, rows: int) -> Path:
    with gzip.open(path, "wt", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for n in range(first, first + rows):
            w.writerow([str(n), "Usage", "2026-09-01T00:00:00Z", "0.01", f"product {n % 7}"])
    return path


def _load(con: duckdb.DuckDBPyConnection, files: list[Path], streamed: bool = True) -> list[int]:
    planned = []
    for path in files:
        meta: dict[str, object] = {"x_source_file": path.name}
        plan = cur_plan(path, columns(con, path, path.name), path.name, meta, streamed=streamed)
        planned.append((plan, meta, path.name))
    con.execute(
        "CREATE OR REPLACE TABLE t (identity_line_item_id VARCHAR, line_item_line_item_type "
        "VARCHAR, line_item_usage_start_date TIMESTAMPTZ, line_item_unblended_cost "
        "DECIMAL(38,10), product VARCHAR, product_product_name VARCHAR, x_source_file VARCHAR, "
        "x_source_row BIGINT)"
    )
    return insert_files(con, "t", planned)


def _read_ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(reader.THREAD_PREFIX)]


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    # 250k rows in the second file: more than a block of text, so it is parsed in several batches
    sizes = [1_000, 250_000, 3, 40_000]
    out, first = [], 1
    for i, n in enumerate(sizes):
        out.append(_write(tmp_path / f"cur-{i + 1}.csv.gz", first, n))
        first += n
    return out


@pytest.mark.parametrize(
    ("streamed", "one_thread_rows"),
    [(True, ONE_THREAD_ROWS), (True, 0), (False, 0)],
    ids=["ahead-one-thread", "ahead-threads", "each-alone"],
)
def test_every_file_is_inserted_whole_and_numbered(
    files: list[Path], streamed: bool, one_thread_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files read ahead in one insert (on one thread or on DuckDB's) and each alone (DuckDB's
    threads, the SQL pack) load the same rows."""
    monkeypatch.setattr(reader, "ONE_THREAD_ROWS", one_thread_rows)
    before = len(_read_ahead_threads())
    con = duckdb.connect()
    assert _load(con, files, streamed) == [1_000, 250_000, 3, 40_000]
    got = con.execute(
        "SELECT x_source_file, count(*), min(x_source_row), max(x_source_row), "
        "count(DISTINCT identity_line_item_id), sum(line_item_unblended_cost) "
        "FROM t GROUP BY ALL ORDER BY x_source_file"
    ).fetchall()
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in got] == [
        ("cur-1.csv.gz", 1_000, 1, 1_000, 1_000),
        ("cur-2.csv.gz", 250_000, 1, 250_000, 250_000),
        ("cur-3.csv.gz", 3, 1, 3, 3),
        ("cur-4.csv.gz", 40_000, 1, 40_000, 40_000),
    ]
    assert str(sum(r[5] for r in got)) == "2910.0300000000"  # 291,003 rows at 0.01
    # row n of each file is the file's n-th line: identity ids were written in order
    assert con.execute(
        "SELECT count(*) FROM t WHERE x_source_file = 'cur-2.csv.gz' "
        "AND CAST(identity_line_item_id AS BIGINT) <> x_source_row + 1000"
    ).fetchone() == (0,)
    assert con.execute("SELECT DISTINCT product FROM t ORDER BY 1 LIMIT 1").fetchone() == (
        '{"product_name":"product 0"}',
    )
    assert len(_read_ahead_threads()) == before


def test_a_damaged_file_fails_naming_itself_and_no_thread_is_left(files: list[Path]) -> None:
    raw = files[3].read_bytes()
    files[3].write_bytes(raw[: len(raw) // 2])  # its header reads; its read-ahead thread fails
    before = len(_read_ahead_threads())
    con = duckdb.connect()
    with pytest.raises(InputError, match=r"cannot read cur-4\.csv\.gz"):
        _load(con, files)
    assert len(_read_ahead_threads()) == before


def test_a_stream_never_read_is_closed_cleanly(files: list[Path]) -> None:
    before = len(_read_ahead_threads())
    con = duckdb.connect()
    plan = cur_plan(files[1], columns(con, files[1], "f"), "f", {"x_source_file": "f"})
    stream = arrow_source(plan.arrow, plan.columns, plan.packs, plan.ahead)  # type: ignore[arg-type]
    stream.close()
    stream.close()  # idempotent
    assert len(_read_ahead_threads()) == before


def test_threads_are_restored_after_a_failed_insert_in_a_transaction(files: list[Path]) -> None:
    assert estimated_rows(files[1]) < ONE_THREAD_ROWS  # inserted on one thread
    raw = files[1].read_bytes()
    files[1].write_bytes(raw[: len(raw) * 3 // 4])
    con = duckdb.connect()
    con.execute("SET threads = 3")
    con.execute("BEGIN")
    with pytest.raises(InputError, match=r"cannot read cur-2\.csv\.gz"):
        _load(con, files)
    con.execute("ROLLBACK")
    assert con.execute("SELECT current_setting('threads')").fetchone() == (3,)


def test_estimated_rows_is_near_the_count(files: list[Path], tmp_path: Path) -> None:
    assert 200_000 < estimated_rows(files[1]) < 300_000  # 250,000 rows
    plain = tmp_path / "plain.csv"
    plain.write_bytes(gzip.decompress(files[3].read_bytes()))
    assert 30_000 < estimated_rows(plain) < 50_000  # 40,000 rows
    assert estimated_rows(tmp_path / "missing.csv.gz") == 0  # the insert names what is wrong


def test_files_of_one_header_share_one_insert_and_keep_their_own_numbers(
    files: list[Path], tmp_path: Path
) -> None:
    """A file of another header starts an insert of its own; the counts are each file's."""
    other = tmp_path / "cur-5.csv.gz"
    with gzip.open(other, "wt", newline="") as f:
        w = csv.writer(f)
        w.writerow([*HEADER, "lineItem/Operation"])
        w.writerows(
            [[str(n), "Usage", "2026-09-01T00:00:00Z", "0.02", "p", "Op"] for n in range(5)]
        )
    con = duckdb.connect()
    con.execute(
        "CREATE OR REPLACE TABLE t (identity_line_item_id VARCHAR, line_item_line_item_type "
        "VARCHAR, line_item_usage_start_date TIMESTAMPTZ, line_item_unblended_cost "
        "DECIMAL(38,10), line_item_operation VARCHAR, product VARCHAR, product_product_name "
        "VARCHAR, x_source_file VARCHAR, x_source_row BIGINT)"
    )
    planned = []
    for path in [files[0], files[2], other, files[3]]:
        meta: dict[str, object] = {"x_source_file": path.name}
        planned.append(
            (cur_plan(path, columns(con, path, path.name), path.name, meta), meta, path.name)
        )
    groups = [[key for _, _, key in group] for group in insert_groups(planned)]
    assert groups == [["cur-1.csv.gz", "cur-3.csv.gz"], ["cur-5.csv.gz"], ["cur-4.csv.gz"]]
    assert insert_files(con, "t", planned) == [1_000, 3, 5, 40_000]
    assert con.execute(
        "SELECT x_source_file, count(*), min(x_source_row), max(x_source_row) FROM t "
        "GROUP BY ALL ORDER BY 1"
    ).fetchall() == [
        ("cur-1.csv.gz", 1_000, 1, 1_000),
        ("cur-3.csv.gz", 3, 1, 3),
        ("cur-4.csv.gz", 40_000, 1, 40_000),
        ("cur-5.csv.gz", 5, 1, 5),
    ]
    assert con.execute("SELECT DISTINCT line_item_operation FROM t ORDER BY 1").fetchall() == [
        ("Op",),
        (None,),
    ]


@pytest.mark.parametrize("one_thread_rows", [ONE_THREAD_ROWS, 0], ids=["one-thread", "threads"])
def test_a_bad_value_in_a_later_file_of_an_insert_names_that_file(
    files: list[Path], one_thread_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB's cast fails the shared insert without saying which file: each file's select is
    run again alone to name it."""
    monkeypatch.setattr(reader, "ONE_THREAD_ROWS", one_thread_rows)
    with gzip.open(files[2], "wt", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerow(["1", "Usage", "2026-09-01T00:00:00Z", "0.01", "p"])
        w.writerow(["2", "Usage", "2026-09-01T00:00:00Z", "twelve", "p"])
    before = len(_read_ahead_threads())
    con = duckdb.connect()
    con.execute("BEGIN")
    with pytest.raises(InputError, match=r"cur-3\.csv\.gz") as raised:
        _load(con, files)
    assert "twelve" in str(raised.value)
    con.execute("ROLLBACK")
    assert len(_read_ahead_threads()) == before
