"""AWS's own FOCUS export (raw_aws.focus) -> focus.cost_and_usage: typed pass-through plus 1.3 columns."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import duckdb
import pytest

from finops_lib import db, spec, sql
from finops_lib.build import build
from finops_lib.reconcile import reconcile
from finops_lib.sources.aws_cur.settings import FOCUS_META_COLUMNS

LOAD = {
    "x_provider": "AWS",
    "x_load_export_name": "focus-export",
    "x_billing_period": "2026-09",
    "x_manifest_id": "exec-1",
    "x_source_file": "focus/data/billing_period=2026-09/focus-00001.snappy.parquet",
    "x_load_id": "load-9",
}
ROW: dict[str, Any] = {
    "BilledCost": "1.50",
    "EffectiveCost": "1.20",
    "ListCost": "2.00",
    "ContractedCost": "1.50",
    "BillingAccountId": "111111111111",
    "BillingCurrency": "USD",
    "BillingPeriodStart": "2026-09-01 00:00:00+00",
    "BillingPeriodEnd": "2026-10-01 00:00:00+00",
    "ChargePeriodStart": "2026-09-02 00:00:00+00",
    "ChargePeriodEnd": "2026-09-02 01:00:00+00",
    "ChargeCategory": "Usage",
    "ServiceName": "Amazon Elastic Compute Cloud",
    "ServiceCategory": "Compute",
    "ProviderName": "AWS",
    "PublisherName": "AWS",
    "InvoiceIssuerName": "Amazon Web Services, Inc.",
    "Tags": '{"team": "web"}',
    "RegionId": "",
}


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """raw_aws.focus as a FOCUS 1.0 export lands: every 1.2 column present, as text from CSV."""
    c = db.connect(":memory:")
    c.execute("create schema raw_aws")
    cols = [f"{sql.quote_ident(col.name)} varchar" for col in spec.focus_columns("1.2")]
    cols += [f"{name} {typ}" for name, typ in FOCUS_META_COLUMNS.items()]
    c.execute(f"create table raw_aws.focus ({', '.join(cols)})")
    return c


def load(con: duckdb.DuckDBPyConnection, *rows: dict[str, Any]) -> list[dict[str, Any]]:
    for i, row in enumerate(rows, 1):
        values = {**ROW, **LOAD, "x_source_row": i, **row}
        names = ", ".join(sql.quote_ident(n) for n in values)
        marks = ", ".join(f"${j}" for j in range(1, len(values) + 1))
        con.execute(f"insert into raw_aws.focus ({names}) values ({marks})", list(values.values()))
    build(con)
    cur = con.execute("select * from focus.cost_and_usage order by x_source_row")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_values_pass_through_typed(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = load(con, {})
    assert (row["BilledCost"], row["EffectiveCost"], row["ListCost"]) == (
        D("1.5"),
        D("1.2"),
        D("2"),
    )
    assert row["ChargePeriodStart"].isoformat() == "2026-09-02T00:00:00+00:00"
    assert row["Tags"] == '{"team": "web"}'
    assert row["RegionId"] is None  # '' -> NULL
    assert (row["x_export_name"], row["x_source_row"], row["x_row_kind"]) == (
        "focus-export",
        1,
        "source",
    )


def test_focus_1_0_rows_get_a_subcategory_from_the_lookup(con: duckdb.DuckDBPyConnection) -> None:
    known, unknown = load(
        con, {}, {"ServiceName": "Some New Service", "ServiceCategory": "Analytics"}
    )
    assert known["ServiceSubcategory"] == "Virtual Machines"
    assert unknown["ServiceSubcategory"] == "Other (Analytics)"


def test_1_3_provider_columns_are_derived(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = load(con, {"PublisherName": "Acme Software", "ProviderName": "AWS"})
    assert (row["ServiceProviderName"], row["HostProviderName"]) == ("Acme Software", "AWS")


def test_focus_export_reconciles_against_its_source_totals(con: duckdb.DuckDBPyConnection) -> None:
    load(con, {}, {"BilledCost": "2.25", "EffectiveCost": "2.00"})
    con.execute(
        "create table meta.source_totals as select 'AWS' as provider, 'focus-export' as export_name, "
        "'2026-09' as billing_period, 'exec-1' as delivery_id, '111111111111' as billing_account_id, "
        "'USD' as currency, 2::bigint as rows, 3.75::decimal(38,10) as billed_cost, "
        "3.20::decimal(38,10) as effective_cost, 'BilledCost as exported' as billed_basis, "
        "'EffectiveCost as exported' as effective_basis"
    )
    (row,) = reconcile(con).to_dicts()
    assert (row["billed_cost_diff"], row["effective_cost_diff"], row["ok"]) == (0, 0, True)
    assert row["effective_basis"] == "EffectiveCost as exported"


def test_enum_values_are_spelled_as_the_spec_does(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = load(
        con,
        {
            "ChargeFrequency": "Usage-based",
            "PricingCategory": "On-Demand",
            "ChargeCategory": "usage",
        },
    )
    assert (row["ChargeFrequency"], row["PricingCategory"], row["ChargeCategory"]) == (
        "Usage-Based",
        "Standard",
        "Usage",
    )
