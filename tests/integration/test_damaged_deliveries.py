"""Damaged deliveries: each one either loads (exit 0, and the period reconciles) or is refused with
one line on stderr, ``error: ...`` naming the file or the period, an exit code of its own (1-3) and no
traceback, and the warehouse is left as it was.

A warehouse holds a good month (2026-08) of a CUR v1 (CSV.gz) or CUR 2.0 (parquet) export from the
demo generator; then the next month's delivery (2026-09) is damaged one way per case and imported
with ``finops aws import-cur``, in-process through ``finops_lib.cli.main`` (fast). A subprocess test
runs a failing import several times: the process must end with the error's own exit code, never
abort at exit (``Fatal Python error: PyGILState_Release``, 134) or hang.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from finops_lib.cli import main
from finops_lib.demo import generate_aws
from finops_lib.reconcile import reconcile
from finops_lib.sources.aws_cur.reader import ARROW_VIEW, arrow_source, describe

REPO = Path(__file__).resolve().parents[2]
GOOD, DAMAGED = "2026-08", "2026-09"


@dataclass(frozen=True)
class Base:
    """A flavour's generated bucket and a warehouse holding its good month (with its snapshot)."""

    flavour: str
    bucket: Path
    prefix: str
    name: str
    home: Path  # warehouse.duckdb and published/ as the good import left them


def _config(home: Path) -> Path:
    """A config keeping the snapshot and downloads under ``home`` (not the working directory)."""
    path = home / "finops.toml"
    path.write_text(
        f"[project]\npublish_dir = {json.dumps(str(home / 'published'))}\n"
        f"[aws]\ndownload_dir = {json.dumps(str(home / 'downloads'))}\n"
    )
    return path


def _argv(home: Path, base: Base, bucket: Path, *extra: str) -> list[str]:
    return [
        "--config",
        str(_config(home)),
        "--database",
        str(home / "warehouse.duckdb"),
        "aws",
        "import-cur",
        "--bucket",
        str(bucket),
        "--prefix",
        base.prefix,
        "--export-name",
        base.name,
        "--cur-version",
        base.flavour,
        *extra,
    ]


def _import(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(argv)
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Base]:
    root = tmp_path_factory.mktemp("damaged")
    gen = generate_aws(root / "gen", rows=300, months=(GOOD, DAMAGED), restate_last=False)
    out = {}
    for flavour, export in gen.exports.items():
        base = Base(flavour, export.root, export.prefix, export.name, root / f"base-{flavour}")
        base.home.mkdir()
        code = main(_argv(base.home, base, base.bucket, "--period", GOOD))
        assert code == 0, f"the good {flavour} month did not load"
        out[flavour] = base
    return out


def _state(db: Path) -> tuple[list, list]:
    """``meta.load_state`` and per-period rows and sum(BilledCost) of ``focus.cost_and_usage``."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        state = con.execute("select * from meta.load_state order by all").fetchall()
        focus = con.execute(
            "select x_billing_period, count(*), sum(BilledCost) from focus.cost_and_usage"
            " group by all order by all"
        ).fetchall()
    finally:
        con.close()
    return state, focus


# --- the damage, each applied to the 2026-09 delivery of a copy of the bucket -------------------


def _data_files(bucket: Path, flavour: str) -> list[Path]:
    pattern = "*.csv.gz" if flavour == "v1" else "*.parquet"
    return sorted(
        p
        for p in bucket.rglob(pattern)
        if ("20260901-" in str(p) or "BILLING_PERIOD=2026-09" in str(p))
    )


def _manifest(bucket: Path, flavour: str) -> Path:
    """The manifest the import reads for the damaged month (v1: the top-level one)."""
    if flavour == "v1":
        return next(bucket.rglob("20260901-20261001/*-Manifest.json"))
    return next(bucket.rglob("metadata/BILLING_PERIOD=2026-09/*/*-Manifest.json"))


def _csv_text(path: Path) -> str:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return f.read()


def _write_gz(path: Path, data: bytes) -> None:
    path.write_bytes(gzip.compress(data, mtime=0))


def _edit_csv(edit: Callable[[list[list[str]]], list[list[str]]], encoding: str = "utf-8"):
    """Damage that rewrites the CSV's rows (the header first) with ``edit``."""

    def damage(path: Path) -> None:
        rows = edit(list(csv.reader(io.StringIO(_csv_text(path)))))
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        _write_gz(path, out.getvalue().encode(encoding))

    return damage


def _set_cell(column: str, value: str, rows: slice = slice(1, 2)) -> Callable:
    def edit(table: list[list[str]]) -> list[list[str]]:
        col = table[0].index(column)
        for row in table[rows]:
            row[col] = value
        return table

    return _edit_csv(edit)


def _drop_column(column: str) -> Callable:
    def edit(table: list[list[str]]) -> list[list[str]]:
        col = table[0].index(column)
        return [row[:col] + row[col + 1 :] for row in table]

    return _edit_csv(edit)


def _rename_column(column: str, new: str) -> Callable:
    def edit(table: list[list[str]]) -> list[list[str]]:
        table[0][table[0].index(column)] = new
        return table

    return _edit_csv(edit)


def _add_columns(table: list[list[str]]) -> list[list[str]]:
    return [
        table[0] + ["lineItem/BrandNewField", "custom/Thing"],
        *(row + ["x", "None"] for row in table[1:]),
    ]


def _null_spellings(table: list[list[str]]) -> list[list[str]]:
    """koku-nise's ``None`` (and ``null``, ``NULL``) in the empty amounts and dates."""
    typed = [
        table[0].index(c)
        for c in (
            "savingsPlan/SavingsPlanEffectiveCost",
            "savingsPlan/SavingsPlanRate",
            "reservation/EffectiveCost",
            "pricing/publicOnDemandCost",
            "lineItem/UsageEndDate",
            "reservation/StartTime",
        )
    ]
    for i, row in enumerate(table[1:]):
        for col in typed:
            if row[col] == "":
                row[col] = ("None", "null", "NULL")[i % 3]
    return table


def _duplicate_column(table: list[list[str]]) -> list[list[str]]:
    """A second ``lineItem/UnblendedCost`` column (holding other amounts) after the others."""
    return [table[0] + ["lineItem/UnblendedCost"], *(row + ["12345"] for row in table[1:])]


def _latin1(table: list[list[str]]) -> list[list[str]]:
    table[1][table[0].index("lineItem/LineItemDescription")] = "Société Générale café"
    return table


def _unbalanced_quote(path: Path) -> None:
    lines = _csv_text(path).split("\n")
    cells = lines[1].split(",")
    cells[3] = '"' + cells[3]  # a quoted field that never ends
    lines[1] = ",".join(cells)
    _write_gz(path, "\n".join(lines).encode())


def _truncate_gzip(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])


def _truncate_gzip_past_the_sniffer(path: Path) -> None:
    """Enough rows that DuckDB's header sniffing (its first 20,480 rows) succeeds and the Arrow
    stream fails in the insert (what printed a Python traceback inside the error line)."""
    lines = _csv_text(path).splitlines(keepends=True)
    rows = lines[1:] * (25_000 // (len(lines) - 1) + 1)
    raw = gzip.compress((lines[0] + "".join(rows)).encode(), compresslevel=1, mtime=0)
    path.write_bytes(raw[: len(raw) * 9 // 10])


def _truncate_mid_row(path: Path) -> None:
    text = _csv_text(path)
    _write_gz(path, text[: text.rindex("\n", 0, len(text) - 1) + 60].encode())


def _flip_bytes(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    for i in range(len(raw) // 2, len(raw) // 2 + 16):
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))


def _zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def _header_only(path: Path) -> None:
    _write_gz(path, _csv_text(path).splitlines(keepends=True)[0].encode())


def _not_compressed(path: Path) -> None:
    path.write_bytes(_csv_text(path).encode())


def _reencode(codec: str, bom: bytes = b"") -> Callable:
    def damage(path: Path) -> None:
        _write_gz(path, bom + _csv_text(path).encode(codec))

    return damage


def _line_ends(end: str) -> Callable:
    def damage(path: Path) -> None:
        _write_gz(path, _csv_text(path).replace("\n", end).encode())

    return damage


def _parquet_edit(edit: Callable[[pa.Table], pa.Table]) -> Callable:
    def damage(path: Path) -> None:
        pq.write_table(edit(pq.read_table(path)), path)

    return damage


def _as_text(column: str, value: str | None, null: str = "None") -> Callable:
    """A parquet amount column rewritten as a string column, its NULLs spelt ``null`` (and
    ``value`` in the first row when given)."""

    def edit(table: pa.Table) -> pa.Table:
        col = table.column(column)
        text = pc.fill_null(pc.cast(col, pa.string()), null)
        if value is not None:
            text = pa.chunked_array([pa.array([value] + text.to_pylist()[1:], pa.string())])
        return table.set_column(table.schema.get_field_index(column), column, text)

    return edit


def _manifest_text(text: str) -> Callable:
    def damage(path: Path) -> None:
        path.write_text(text)

    return damage


def _manifest_edit(edit: Callable[[dict], None]) -> Callable:
    def damage(path: Path) -> None:
        doc = json.loads(path.read_text())
        edit(doc)
        path.write_text(json.dumps(doc))

    return damage


def _no_report_keys(doc: dict) -> None:
    del doc["reportKeys"]


def _missing_file(doc: dict) -> None:
    doc["reportKeys"].append(doc["reportKeys"][0].replace("-1.csv.gz", "-7.csv.gz"))


def _missing_parquet(doc: dict) -> None:
    doc["dataFiles"].append(doc["dataFiles"][0].replace("-00001.", "-00007."))


FILE_V1 = r"demo-cur-1\.csv\.gz"
FILE_V2 = r"demo-cur2-00001\.snappy\.parquet"
MANIFEST = rf"Manifest\.json|{DAMAGED}"


@dataclass(frozen=True)
class Case:
    flavour: str
    damage: Callable[[Path], None]
    loads: bool  # else refused
    names: str = ""  # regex the error line must match (the file or the period)
    target: str = "data"  # "data" (the delivery's first file) or "manifest"


CASES: dict[str, Case] = {
    # CUR v1 CSV.gz
    "truncated-gzip": Case("v1", _truncate_gzip, False, FILE_V1),
    "truncated-gzip-past-sniffer": Case(  # the reason, not the traceback around it
        "v1", _truncate_gzip_past_the_sniffer, False, rf"{FILE_V1}: IOError: Truncated compressed"
    ),
    "truncated-csv-mid-row": Case("v1", _truncate_mid_row, False, FILE_V1),
    "flipped-bytes-gzip": Case("v1", _flip_bytes, False, FILE_V1),
    "zero-byte-file": Case("v1", _zero_bytes, False, FILE_V1),
    "not-compressed": Case("v1", _not_compressed, False, FILE_V1),
    "header-only": Case("v1", _header_only, False, DAMAGED),
    "dropped-required-column": Case("v1", _drop_column("lineItem/UnblendedCost"), False, FILE_V1),
    "renamed-required-column": Case(
        "v1", _rename_column("lineItem/LineItemType", "lineItem/ItemType"), False, FILE_V1
    ),
    "dropped-optional-column": Case("v1", _drop_column("lineItem/AvailabilityZone"), True),
    "bad-numeric-value": Case("v1", _set_cell("lineItem/UnblendedCost", "12..5"), False, FILE_V1),
    "bad-date": Case(
        "v1", _set_cell("lineItem/UsageStartDate", "2026-09-31T25:00"), False, FILE_V1
    ),
    "null-spellings-in-typed-columns": Case("v1", _edit_csv(_null_spellings), True),
    "extra-unknown-columns": Case("v1", _edit_csv(_add_columns), True),
    "duplicate-column-names": Case("v1", _edit_csv(_duplicate_column), True),
    "latin-1": Case(
        "v1", _edit_csv(_latin1, encoding="latin-1"), False, rf"{FILE_V1}: .*not utf-8 encoded"
    ),
    "utf-16": Case("v1", _reencode("utf-16"), False, FILE_V1),
    "utf-8-bom": Case("v1", _reencode("utf-8", codecs.BOM_UTF8), True),
    "crlf-line-ends": Case("v1", _line_ends("\r\n"), True),
    "cr-line-ends": Case("v1", _line_ends("\r"), True),
    "unbalanced-quote": Case("v1", _unbalanced_quote, False, FILE_V1),
    "manifest-bad-json": Case(
        "v1", _manifest_text('{"assemblyId": "x", "report'), False, MANIFEST, "manifest"
    ),
    "manifest-without-reportkeys": Case(
        "v1", _manifest_edit(_no_report_keys), False, MANIFEST, "manifest"
    ),
    "manifest-lists-missing-file": Case(
        "v1", _manifest_edit(_missing_file), False, r"demo-cur-7\.csv\.gz", "manifest"
    ),
    # CUR 2.0 parquet
    "parquet-truncated": Case("v2", _truncate_gzip, False, FILE_V2),
    "parquet-flipped-bytes": Case("v2", _flip_bytes, False, FILE_V2),
    "parquet-zero-byte-file": Case("v2", _zero_bytes, False, FILE_V2),
    "parquet-null-spellings-in-text-amounts": Case(
        "v2",
        _parquet_edit(_as_text("savings_plan_savings_plan_effective_cost", None, "None")),
        True,
    ),
    "parquet-bad-number-in-text-amount": Case(
        "v2", _parquet_edit(_as_text("line_item_unblended_cost", "1.2.3", "")), False, FILE_V2
    ),
    "parquet-manifest-bad-json": Case("v2", _manifest_text("{"), False, MANIFEST, "manifest"),
    "parquet-manifest-lists-missing-file": Case(
        "v2",
        _manifest_edit(_missing_parquet),
        False,
        r"demo-cur2-00007\.snappy\.parquet",
        "manifest",
    ),
}


def _damaged_copy(base: Base, case: Case, home: Path) -> Path:
    """``home``: the base warehouse and snapshot; returns a copy of the bucket, damaged."""
    shutil.copytree(base.home, home, ignore=shutil.ignore_patterns("downloads"))
    bucket = home / "bucket"
    shutil.copytree(base.bucket, bucket)
    target = (
        _manifest(bucket, base.flavour)
        if case.target == "manifest"
        else _data_files(bucket, base.flavour)[0]
    )
    case.damage(target)
    return bucket


@pytest.mark.parametrize("name", list(CASES))
def test_damaged_delivery_loads_or_is_refused_cleanly(
    bases: dict[str, Base], tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    case = CASES[name]
    base = bases[case.flavour]
    home = tmp_path / "home"
    bucket = _damaged_copy(base, case, home)
    db = home / "warehouse.duckdb"
    before = _state(db)

    code, err = _import(_argv(home, base, bucket), capsys)

    state, focus = _state(db)
    if case.loads:
        assert (code, err) == (0, "")
        assert [r[0] for r in focus] == [GOOD, DAMAGED]
        assert focus[0] == before[1][0], "the good month changed"
        assert [r for r in state if GOOD in r] == before[0], "the good month's state changed"
        con = duckdb.connect(str(db), read_only=True)
        try:
            result = reconcile(con)
        finally:
            con.close()
        assert sorted(set(result["billing_period"])) == [GOOD, DAMAGED]
        assert result["ok"].all(), result
    else:
        assert 1 <= code <= 3, (code, err)
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert "Traceback" not in err and "Python exception" not in err, err
        assert case.names and re.search(case.names, err), err
        assert (state, focus) == before, "a refused delivery changed the warehouse"


# --- the process ends with the error's own exit code ----------------------------------------------


def _bad_amounts_in_a_long_file(path: Path) -> None:
    """25,000 rows (many Arrow batches), each with an amount that does not parse, as koku-nise's
    ``None`` did: the insert fails on the first batch with most of the stream still unread."""
    table = list(csv.reader(io.StringIO(_csv_text(path))))
    col = table[0].index("lineItem/UnblendedCost")
    rows = table[1:] * (25_000 // (len(table) - 1) + 1)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table[0])
    writer.writerows([*row[:col], "12..5", *row[col + 1 :]] for row in rows)
    _write_gz(path, out.getvalue().encode())


def test_failing_import_exits_with_its_own_code_every_time(
    bases: dict[str, Base], tmp_path: Path
) -> None:
    """The failing import, each time in a fresh process and as the only work of the run (a new
    warehouse, one period): it ends with its error's exit code. Before the stream was handed to
    DuckDB as a bare capsule most runs aborted at exit (134, ``Fatal Python error:
    PyGILState_Release``) or hung."""
    base = bases["v1"]
    home = tmp_path / "home"
    home.mkdir()
    bucket = home / "bucket"
    shutil.copytree(base.bucket, bucket)
    _bad_amounts_in_a_long_file(_data_files(bucket, "v1")[0])
    argv = [sys.executable, "-m", "finops_lib.cli", *_argv(home, base, bucket, "--period", DAMAGED)]
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path}  # this checkout, whatever the working directory
    for run in range(4):
        proc = subprocess.run(
            argv, cwd=home, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert proc.returncode == 3, (run, proc.returncode, proc.stderr[-2000:])
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: cannot read "), proc.stderr
        assert "12..5" in lines[0], proc.stderr


# --- the CSV stream is released by DuckDB, whatever the statement did ------------------------------


def _open_fds(path: Path) -> int:
    fds = Path("/proc/self/fd")
    n = 0
    for fd in fds.iterdir():
        try:
            n += os.readlink(fd) == str(path)
        except OSError:
            pass
    return n


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count open files")
@pytest.mark.parametrize("outcome", ["fails", "succeeds", "never-read"])
def test_csv_stream_is_released_after_the_statement(
    bases: dict[str, Base], tmp_path: Path, outcome: str
) -> None:
    src = _data_files(bases["v1"].bucket, "v1")[0]
    path = tmp_path / src.name
    shutil.copy(src, path)
    if outcome == "fails":
        _set_cell("lineItem/UnblendedCost", "oops", rows=slice(-1, None))(path)
    con = duckdb.connect()
    stream = arrow_source(path, describe(con, path, path.name))
    con.register(ARROW_VIEW, stream.capsule)
    query = f'select sum(cast("lineItem/UnblendedCost" as decimal(38,10))) from {ARROW_VIEW}'
    if outcome == "fails":
        with pytest.raises(duckdb.ConversionException):
            con.execute(query)
    elif outcome == "succeeds":
        assert con.execute(query).fetchone()[0] is not None
    if outcome != "never-read":
        # DuckDB took the stream over and released it when the statement ended: file closed
        assert _open_fds(path) == 0
    con.unregister(ARROW_VIEW)
    stream.close()
    assert _open_fds(path) == 0
    with pytest.raises(ValueError, match="closed"):
        stream.capsule  # noqa: B018
    con.close()
