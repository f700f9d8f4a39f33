"""The official focus-validator 2.2.1, run as a second opinion in its own Python 3.12 environment."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from finops_lib import official_validator
from finops_lib.checks import expected_columns

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sql"))
from focus_rows import conformant_rows, make_table  # noqa: E402

pytestmark = pytest.mark.skipif(
    official_validator.find_python312() is None,
    reason="the official validator needs a local Python 3.12 and none was found",
)


def write_parquet(path: Path, rows) -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    make_table(con, rows)
    cols = [c["name"] for c in expected_columns("1.2")]
    # JSON columns travel as strings: the validator rejects Parquet's JSON logical type.
    select = ", ".join(
        f"{c}::VARCHAR as {c}" if c in ("Tags", "SkuPriceDetails") else c for c in cols
    )
    con.execute(f"copy (select {select} from focus_input) to '{path}' (format parquet)")


def test_conformant_rows_fail_only_known_defective_rules(tmp_path):
    path = tmp_path / "focus.parquet"
    write_parquet(path, conformant_rows())
    result = official_validator.run(path)
    assert result.total > 500
    assert result.real_failures == [], result.real_failures


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
