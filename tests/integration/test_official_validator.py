"""The official focus-validator 2.2.1, run as a second opinion in its own Python 3.12 environment."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from finops_lib import official_validator, sql
from finops_lib.checks import expected_columns
from finops_lib.errors import FinopsError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sql"))
from focus_rows import conformant_rows, make_table  # noqa: E402

needs_python312 = pytest.mark.skipif(
    official_validator.find_python312() is None,
    reason="the official validator needs a local Python 3.12 and none was found",
)


def write_parquet(path: Path, rows) -> None:
    """The 57 FOCUS 1.2 columns of hand-written rows: DECIMAL(38,10), TIMESTAMPTZ, JSON as text."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    make_table(con, rows)
    cols = [sql.quote_ident(c["name"]) for c in expected_columns("1.2")]
    # JSON columns travel as strings: the validator rejects Parquet's JSON logical type.
    select = ", ".join(
        f"{c}::VARCHAR as {c}" if c in ('"Tags"', '"SkuPriceDetails"') else c for c in cols
    )
    con.sql(f"select {select} from focus_input").write_parquet(str(path))
    schema = con.execute("select name, type from parquet_schema($p)", {"p": str(path)}).fetchall()
    assert len(schema) - 1 == len(cols) == 57


@needs_python312
def test_conformant_rows_fail_only_known_defective_rules(tmp_path):
    path = tmp_path / "focus.parquet"
    write_parquet(path, conformant_rows())
    result = official_validator.run(path)
    assert result.total > 500
    assert result.real_failures == [], result.real_failures


@needs_python312
def test_a_broken_file_fails_real_rules(tmp_path):
    path = tmp_path / "focus.parquet"
    write_parquet(path, [*conformant_rows(), {"BilledCost": None}])
    result = official_validator.run(path)
    assert any(f.startswith("BilledCost") for f in result.real_failures), result.failures


def test_junit_parsing_counts_failures():
    xml = """<testsuites><testsuite><testcase name="A-C-001-M"><failure message="x"/></testcase>
    <testcase name="InvoiceId-C-004-C"><failure/></testcase><testcase name="B"><skipped/></testcase>
    </testsuite></testsuites>"""
    result = official_validator.parse_junit(xml)
    assert (result.total, result.skipped) == (3, 1)
    assert result.real_failures == ["A-C-001-M"] and result.known_defects == ["InvoiceId-C-004-C"]


def test_without_python312_the_error_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(official_validator, "VENV", tmp_path / "venv")
    monkeypatch.setattr(official_validator, "find_python312", lambda: None)
    with pytest.raises(FinopsError, match="needs Python 3.12"):
        official_validator.run(tmp_path / "focus.parquet")
