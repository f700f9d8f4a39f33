"""Hand-made FOCUS rows in a real DuckDB file for the budget, anomaly and alert tests.

``write(path, rows)`` creates ``focus.cost_and_usage`` with the warehouse's full column set
(``finops_lib.spec.output_columns``), inserts the rows (each a few overrides of :data:`USAGE`),
runs the marts, and, when asked, writes ``marts.cost_allocation`` and ``meta.config_trees`` the
way the build records them (one dimension ``team``: a value per provider).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from finops_lib import sql
from finops_lib.spec import output_columns

USAGE: dict[str, Any] = {
    "ProviderName": "AWS",
    "x_provider": "AWS",
    "x_export_name": "test",
    "BillingAccountId": "PAY",
    "SubAccountId": "111",
    "SubAccountName": "platform",
    "ServiceName": "Amazon EC2",
    "ServiceCategory": "Compute",
    "RegionId": "us-east-1",
    "ResourceId": "i-base",
    "ChargeCategory": "Usage",
    "ChargeFrequency": "Usage-Based",
    "ChargeClass": None,
    "PricingCategory": "Standard",
    "BillingCurrency": "USD",
}


def row(day: date, cost: Decimal | str | int, **overrides: Any) -> dict[str, Any]:
    """One FOCUS row charged on ``day`` (billing period: its month unless overridden)."""
    amount = Decimal(str(cost))
    period = overrides.pop("period", f"{day:%Y-%m}")
    return {
        **USAGE,
        "ChargePeriodStart": f"{day} 00:00:00+00",
        "ChargePeriodEnd": f"{day + timedelta(days=1)} 00:00:00+00",
        "BillingPeriodStart": f"{period}-01 00:00:00+00",
        "x_billing_period": period,
        "BilledCost": amount,
        "EffectiveCost": amount,
        "ListCost": amount,
        "ContractedCost": amount,
        **overrides,
    }


def days(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def write(
    path: Path, rows: list[dict[str, Any]], *, allocation: bool = False, budgets: Any = None
) -> Path:
    """Write the warehouse file and return its path."""
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    con.execute("create schema focus")
    con.execute("create schema marts")
    con.execute("create schema meta")
    cols = output_columns()
    ddl = ", ".join(f"{sql.quote_ident(n)} {t}" for n, t in cols)
    con.execute(f"create table focus.cost_and_usage ({ddl})")
    keys = sorted({k for r in rows for k in r})
    frame = pl.DataFrame(
        {k: [r.get(k) for r in rows] for k in keys},
        schema={k: pl.Decimal(38, 10) if k.endswith("Cost") else pl.Utf8 for k in keys},
    )
    con.register("new_rows", frame)
    con.execute("insert into focus.cost_and_usage by name select * from new_rows")
    con.unregister("new_rows")
    for name in sql.names("marts"):
        sql.run(con, name)
    if allocation:
        # team = 'data' for AWS rows, 'web' for the others: one row set, summing to the FOCUS table
        con.execute(
            """
            create table marts.cost_allocation as
            select 'team' as dimension,
                   case when x_provider = 'AWS' then 'data' else 'web' end as value,
                   x_provider, x_export_name, x_billing_period, ProviderName, BillingAccountId,
                   SubAccountId, SubAccountName, ServiceName, ServiceCategory, RegionId,
                   ResourceId, ChargeCategory, ChargeClass, PricingCategory, BillingCurrency,
                   cast(ChargePeriodStart as date) as day,
                   sum(BilledCost) as BilledCost, sum(EffectiveCost) as EffectiveCost,
                   sum(ListCost) as ListCost, 'test' as rule, null as shared_rule,
                   null as allocated_method_id, null as allocated_ratio
            from focus.cost_and_usage
            group by all
            """
        )
    if budgets is not None:
        con.execute(
            "create table meta.config_trees (section varchar, body varchar, recorded_at timestamptz)"
        )
        con.execute(
            "insert into meta.config_trees values ('budgets', $b, now()), ('allocation', '{}', now())",
            {"b": json.dumps(budgets)},
        )
    con.close()
    return path


SPIKE_DAY = date(2026, 10, 14)
SPIKE = Decimal(400)


def anomaly_rows() -> list[dict[str, Any]]:
    """The anomaly data (tests/sql/test_anomalies.py describes it)."""
    span = days(date(2026, 7, 1), date(2026, 10, 31))
    rows = [row(d, 100 + 5 * d.weekday(), ResourceId="i-a") for d in span]
    rows += [row(d, 50 + (SPIKE if d == SPIKE_DAY else 0), ResourceId="i-b") for d in span]
    firsts = [d for d in span if d.day == 1]
    rows += [
        row(d, 800, ServiceName="AWS Support", ChargeFrequency="Recurring", ResourceId=None)
        for d in firsts
    ]
    rows += [row(d, 120, ChargeCategory="Tax", ChargeFrequency="Recurring") for d in firsts]
    rows += [row(d, -90, ChargeCategory="Credit") for d in firsts]
    rows += [row(d, 375, ServiceName="Cobalt SaaS", ResourceId=None) for d in firsts]
    rows.append(
        row(
            date(2026, 10, 12),
            5000,
            ChargeCategory="Purchase",
            ChargeFrequency="One-Time",
            ResourceId="sp-1",
        )
    )
    rows += [
        row(
            d,
            "2.00" if d == date(2026, 10, 20) else "0.10",
            ServiceName="Amazon SQS",
            ResourceId="q-1",
        )
        for d in span
    ]
    rows.append(
        row(
            date(2026, 9, 20),
            -300,
            period="2026-10",
            ChargeClass="Correction",
            ChargeFrequency="One-Time",
        )
    )
    return rows
