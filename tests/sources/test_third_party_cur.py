"""A CUR v1 delivery written by a third-party generator (koku-nise, tests/fixtures/nise_aws) imports
through the CLI, reconciles to the cent and maps to FOCUS as AWS's own would.

Expected figures come from the fixture files themselves (read here with DuckDB and ``csv``), never from
the warehouse the import wrote.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from pathlib import Path

import duckdb
import pytest

from finops_lib.checks import failed, run_checks
from finops_lib.cli import main
from finops_lib.reconcile import reconcile

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "nise_aws"
PREFIX, REPORT = "pfx", "cur"

# FOCUS UnitFormat: allowed data size abbreviations, allowed time unit names (plural after '-',
# singular after '/'), capitalised count nouns, an optional unit quantity in front
SIZE = r"(?:[KMGTPE]i?)?[Bb]"
TIME = r"(?:Year|Month|Day|Hour|Minute|Second)"
WORD = r"(?:[A-Z]|v[A-Z])[A-Za-z0-9]*"
BASE = rf"(?:{SIZE}|{WORD}(?: {WORD})*)"
UNIT_FORMAT = re.compile(rf"(?:[1-9][0-9]* )?(?:{BASE}|{BASE}-{TIME}s|{BASE}/{TIME})")
CUR_ONLY = re.compile(rf"(?:^|[ -])(?:Hrs?|Mo|Mos|Secs?|Mins?|Yrs?|{TIME})$|[Bb]ytes?\b")


def manifest(period_folder: Path) -> dict:
    return json.loads((period_folder / f"{REPORT}-Manifest.json").read_text())


def periods() -> dict[str, list[Path]]:
    """Billing period 'YYYY-MM' -> the files its top-level manifest lists."""
    out = {}
    for folder in sorted((FIXTURE / PREFIX / REPORT).iterdir()):
        start = manifest(folder)["billingPeriod"]["start"]
        out[f"{start[:4]}-{start[4:6]}"] = [FIXTURE / k for k in manifest(folder)["reportKeys"]]
    return out


def source_rows() -> list[dict[str, str]]:
    """Every line item of the fixture as text, with its period, file key and 1-based row number."""
    rows = []
    for period, files in periods().items():
        for path in files:
            with gzip.open(path, "rt", newline="") as fh:
                for i, row in enumerate(csv.DictReader(fh), start=1):
                    key = str(path.relative_to(FIXTURE))
                    rows.append({**row, "_period": period, "_file": key, "_row": str(i)})
    return rows


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("nise")
    config = home / "finops.toml"
    config.write_text(
        f"[project]\npublish_dir = {json.dumps(str(home / 'published'))}\n"
        f"[aws]\ndownload_dir = {json.dumps(str(home / 'downloads'))}\n"
    )
    database = home / "warehouse.duckdb"
    argv = ["--config", str(config), "--database", str(database), "aws", "import-cur"]
    argv += ["--bucket", str(FIXTURE), "--prefix", PREFIX, "--export-name", REPORT]
    assert main([*argv, "--cur-version", "v1"]) == 0
    return database


@pytest.fixture
def con(warehouse: Path):
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


def test_fixture_is_a_delivery_without_invoicing_entity_and_with_none_text() -> None:
    rows = source_rows()
    assert len(periods()) == 2 and rows
    assert "bill/InvoicingEntity" not in rows[0]
    assert any(r["savingsPlan/SavingsPlanEffectiveCost"] == "None" for r in rows)
    assert any(r["bill/BillingEntity"] == "AWS Marketplace" for r in rows)


def test_every_period_is_loaded_with_every_row(con: duckdb.DuckDBPyConnection) -> None:
    loaded = dict(
        con.execute(
            "select x_billing_period, count(*) from focus.cost_and_usage "
            "where x_row_kind = 'source' group by all"
        ).fetchall()
    )
    expected: dict[str, int] = {}
    for row in source_rows():
        expected[row["_period"]] = expected.get(row["_period"], 0) + 1
    assert loaded == expected


def test_every_period_reconciles_to_the_cent(con: duckdb.DuckDBPyConnection) -> None:
    result = reconcile(con)
    assert sorted(result["billing_period"].to_list()) == sorted(periods())
    assert result["ok"].all(), result.to_dicts()


def test_billed_cost_is_the_unblended_total_of_the_files(con: duckdb.DuckDBPyConnection) -> None:
    for period, files in periods().items():
        (expected,) = duckdb.execute(
            'select sum(cast("lineItem/UnblendedCost" as decimal(38, 10))) '
            "from read_csv($files, all_varchar = true, union_by_name = true)",
            {"files": [str(f) for f in files]},
        ).fetchone() or (None,)
        (billed,) = con.execute(
            "select sum(BilledCost) from focus.cost_and_usage where x_billing_period = $p",
            {"p": period},
        ).fetchone() or (None,)
        assert billed == expected and expected is not None, period


def test_effective_cost_is_the_savings_plan_effective_cost_where_covered(
    con: duckdb.DuckDBPyConnection,
) -> None:
    files = [str(f) for fs in periods().values() for f in fs]
    (expected,) = duckdb.execute(
        "select sum(cast(case \"lineItem/LineItemType\" when 'SavingsPlanCoveredUsage' "
        'then "savingsPlan/SavingsPlanEffectiveCost" else "lineItem/UnblendedCost" end '
        "as decimal(38, 10))) from read_csv($files, all_varchar = true, union_by_name = true)",
        {"files": files},
    ).fetchone() or (None,)
    (effective,) = con.execute("select sum(EffectiveCost) from focus.cost_and_usage").fetchone()
    assert effective == expected and expected is not None


def test_no_unit_rule_fails_and_every_unit_follows_unit_format(
    con: duckdb.DuckDBPyConnection,
) -> None:
    results = run_checks(con)
    unit_rules = [r for r in results if "Unit" in r.rule.rule_id]
    assert unit_rules and [r.rule.rule_id for r in unit_rules if not r.ok] == []
    assert failed(results, "error") == []
    units = {
        u
        for (u,) in con.execute(
            "select PricingUnit from focus.cost_and_usage union select ConsumedUnit "
            "from focus.cost_and_usage"
        ).fetchall()
        if u is not None
    }
    cur_units = {r["pricing/unit"] for r in source_rows()}
    assert units and cur_units - units  # the CUR spellings (Hrs, GB-Mo) were re-spelled
    wrong = {u for u in units if not UNIT_FORMAT.fullmatch(u) or CUR_ONLY.search(u)}
    assert wrong == set()


def test_marketplace_rows_are_invoiced_by_aws_and_published_by_the_seller(
    con: duckdb.DuckDBPyConnection,
) -> None:
    sellers = {
        (r["_file"], int(r["_row"])): r["lineItem/LegalEntity"]
        for r in source_rows()
        if r["bill/BillingEntity"] == "AWS Marketplace"
    }
    got = {
        (f, n): rest
        for f, n, *rest in con.execute(
            "select x_source_file, x_source_row, InvoiceIssuerName, PublisherName, "
            "ServiceProviderName, HostProviderName from focus.cost_and_usage "
            "where x_row_kind = 'source' and PublisherName <> 'AWS'"
        ).fetchall()
    }
    assert len(set(sellers.values())) >= 1 and all(s != "AWS" for s in sellers.values())
    assert got == {key: ["AWS", seller, seller, "AWS"] for key, seller in sellers.items()}


def test_aws_rows_are_invoiced_and_published_by_aws(con: duckdb.DuckDBPyConnection) -> None:
    names = con.execute(
        "select distinct InvoiceIssuerName, ProviderName, HostProviderName "
        "from focus.cost_and_usage"
    ).fetchall()
    assert names == [("AWS", "AWS", "AWS")]
