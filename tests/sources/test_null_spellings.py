"""Null spellings in CUR files: ``None``, ``null``, ``NULL`` and empty text are NULL in a typed column
(DECIMAL, TIMESTAMPTZ) and kept as text in a VARCHAR one, on the three ways a file is read: a CSV
import (Arrow strings cast on insert), ``finops focus convert`` (DuckDB's CSV reader) and parquet
string columns. Other text that does not parse still fails, naming the file.

Third-party CUR writers (koku-nise) put ``None`` in empty amounts: before, the month was refused.
"""

from __future__ import annotations

import csv
import gzip
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from finops_lib.errors import InputError
from finops_lib.sources.aws_cur.reader import (
    ARROW_VIEW,
    arrow_source,
    bad_file,
    cur_plan,
    describe,
)

META = {"x_source_file": "test"}
HEADER = [
    "identity/LineItemId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",  # TIMESTAMPTZ
    "lineItem/UnblendedCost",  # DECIMAL(38,10), required
    "savingsPlan/SavingsPlanEffectiveCost",  # DECIMAL(38,10)
    "lineItem/LineItemDescription",  # VARCHAR (canonical)
    "savingsPlan/SavingsPlanRate",  # not canonical: kept as VARCHAR
]
SPELLINGS = ["None", "null", "NULL", ""]
# one row per spelling in every optional typed and text column, then a row with values
ROWS = [
    [str(i), "Usage", "2026-09-01T00:00:00Z", s, "1.5", s, s, s]
    for i, s in enumerate(SPELLINGS, start=1)
] + [["5", "Usage", "2026-09-01T00:00:00Z", "2026-09-01T01:00:00Z", "2", "0.25", "text", "0.1"]]
TYPED = ("line_item_usage_end_date", "savings_plan_savings_plan_effective_cost")
TEXT = ("line_item_line_item_description", "savings_plan_savings_plan_rate")


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", newline="") as f:  # type: ignore[operator]
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def _write_parquet(path: Path, rows: list[list[str]]) -> Path:
    """Every column a string column, as a writer that knows no types would leave them."""
    cols = zip(*rows, strict=True)
    table = {h: pa.array(c, pa.string()) for h, c in zip(HEADER, cols, strict=True)}
    pq.write_table(pa.table(table), path)
    return path


def _read(path: Path, how: str) -> list[dict]:
    """The file's rows as the import (``import``) or convert (``convert``) reads them."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    cols = describe(con, path, path.name)
    plan = cur_plan(path, cols, path.name, META, numbered=how == "import")
    stream = arrow_source(plan.arrow, plan.columns, plan.packs, plan.ahead) if plan.arrow else None
    try:
        if stream is not None:
            con.register(ARROW_VIEW, stream.capsule)
        rel = con.execute(f"SELECT {plan.select} FROM {plan.source}", plan.bound(META))  # noqa: S608
        names = [d[0] for d in rel.description]
        rows = [dict(zip(names, r, strict=True)) for r in rel.fetchall()]
    except duckdb.Error as exc:
        raise bad_file(path.name, exc) from None
    finally:
        if stream is not None:
            con.unregister(ARROW_VIEW)
            stream.close()
        con.close()
    return sorted(rows, key=lambda r: r["identity_line_item_id"])


CASES = [
    ("import", "cur.csv"),
    ("import", "cur.csv.gz"),
    ("convert", "cur.csv"),
    ("convert", "cur.csv.gz"),
    ("import", "cur.parquet"),
]


def _file(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    path = tmp_path / name
    return _write_parquet(path, rows) if name.endswith(".parquet") else _write_csv(path, rows)


@pytest.mark.parametrize(("how", "name"), CASES)
def test_null_spellings_are_null_in_typed_columns(tmp_path: Path, how: str, name: str) -> None:
    got = _read(_file(tmp_path, name, ROWS), how)
    assert [[r[c] for c in TYPED] for r in got[:4]] == [[None, None]] * 4
    assert got[4]["savings_plan_savings_plan_effective_cost"] == Decimal("0.25")
    assert str(got[4]["line_item_usage_end_date"]) == "2026-09-01 01:00:00+00:00"
    assert [r["line_item_unblended_cost"] for r in got] == [Decimal("1.5")] * 4 + [Decimal(2)]


@pytest.mark.parametrize(("how", "name"), CASES)
def test_text_columns_keep_the_spellings_as_text(tmp_path: Path, how: str, name: str) -> None:
    got = _read(_file(tmp_path, name, ROWS), how)
    for col in TEXT:
        # the empty field is NULL (docs/CONTRACTS.md); the other spellings are values
        assert [r[col] for r in got[:4]] == ["None", "null", "NULL", None]


@pytest.mark.parametrize(("how", "name"), CASES)
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("savingsPlan/SavingsPlanEffectiveCost", "N/A"),
        ("savingsPlan/SavingsPlanEffectiveCost", "none"),
        ("lineItem/UnblendedCost", "1,5"),
        ("lineItem/UsageEndDate", "2026-13-45T00:00:00Z"),
    ],
)
def test_other_text_that_does_not_parse_fails_naming_the_file(
    tmp_path: Path, how: str, name: str, column: str, value: str
) -> None:
    rows = [list(r) for r in ROWS]
    rows[2][HEADER.index(column)] = value
    with pytest.raises(InputError, match=rf"cannot read {re.escape(name)}: .*{re.escape(value)}"):
        _read(_file(tmp_path, name, rows), how)
