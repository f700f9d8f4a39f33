"""A small FOCUS warehouse built from the bundled FOCUS 1.0 sample, for notebook and report tests.

``data/sample/focus/focus_sample.csv`` (FOCUS-Sample-Data, CC-BY-4.0; see data/sample/SOURCES.md) holds
one month (2024-09) of AWS, Microsoft and Oracle rows. The fixture maps it onto the
``focus.cost_and_usage`` column set of docs/CONTRACTS.md and repeats it for the two months before
(scaled, so trends and movers have something to show), marks a slice of AWS compute rows as covered
by a savings plan plus one unused-commitment row, and writes ``meta.load_state``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from finops_lib import sql
from finops_lib.config import Settings, load_settings
from finops_lib.publish import publish

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "focus" / "focus_sample.csv"
SPEC = ROOT / "finops_lib" / "spec" / "focus_columns.json"
TYPES = {
    "Decimal": "DECIMAL(38,10)",
    "DateTime": "TIMESTAMPTZ",
    "JSON": "JSON",
    "String": "VARCHAR",
}
# month offset -> cost scale: 2024-07 (x0.8), 2024-08 (x0.9), 2024-09 (as delivered)
MONTHS = {-2: "0.8", -1: "0.9", 0: "1.0"}
COMMITMENT = "arn:aws:savingsplans::123456789012:savingsplan/sp-fixture-0001"


def focus_columns() -> list[tuple[str, str]]:
    """FOCUS 1.2 columns plus the 1.3 additions, alphabetical, with DuckDB types."""
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    cols = {
        c["name"]: TYPES[c["type"]]
        for c in spec
        if c["dataset"] == "CostAndUsage" and {"1.2", "1.3"} & set(c["in_versions"])
    }
    return sorted(cols.items())


def build(path: Path) -> Path:
    """Write the fixture warehouse to ``path`` and return it."""
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "create or replace temp table sample as select * from read_csv($p, header=true, "
        "all_varchar=true, nullstr='NULL')",
        {"p": str(SAMPLE)},
    )
    present = {r[0] for r in con.execute("describe sample").fetchall()}
    money = {"BilledCost", "EffectiveCost", "ListCost", "ContractedCost"}
    select = []
    for name, typ in focus_columns():
        q = '"' + name + '"'
        if name not in present:
            select.append(f"cast(null as {typ}) as {q}")
        elif name in money:
            select.append(f"cast(cast({q} as decimal(38,10)) * s.scale as decimal(38,10)) as {q}")
        elif typ == "TIMESTAMPTZ":
            select.append(
                f"cast(cast({q} as timestamp) + to_months(s.shift) as timestamptz) as {q}"
            )
        else:
            select.append(f"cast(nullif({q}, '') as {typ}) as {q}")
    cols = ",\n  ".join(select)
    con.execute("create schema if not exists focus")
    con.execute("create schema if not exists meta")
    con.execute("create schema if not exists marts")
    months = " union all ".join(
        f"select {k} as shift, {v}::decimal(4,2) as scale" for k, v in MONTHS.items()
    )
    con.execute(
        f"""
        create or replace table focus.cost_and_usage as
        select
          {cols},
          case "ProviderName" when 'Microsoft' then 'Azure' else "ProviderName" end as x_provider,
          'fixture' as x_export_name,
          strftime(cast("BillingPeriodStart" as timestamp) + to_months(s.shift), '%Y-%m') as x_billing_period,
          'focus_sample.csv' as x_source_file,
          cast(row_number() over () as bigint) as x_source_row,
          'fixture-load' as x_load_id,
          'source' as x_row_kind,
          'fixture-manifest' as x_delivery_id,
          cast(null as json) as x_extras
        from sample, ({months}) s
        """
    )
    # A savings plan covering the EC2-like compute rows, and one unused hour of it.
    con.execute(
        """
        update focus.cost_and_usage set
          CommitmentDiscountId = $id, CommitmentDiscountName = 'sp-fixture-0001',
          CommitmentDiscountCategory = 'Spend', CommitmentDiscountType = 'Compute Savings Plan',
          CommitmentDiscountStatus = 'Used', PricingCategory = 'Committed',
          EffectiveCost = ListCost * 0.7
        where ProviderName = 'AWS' and ServiceCategory = 'Compute' and x_source_row % 2 = 0
        """,
        {"id": COMMITMENT},
    )
    con.execute(
        """
        insert into focus.cost_and_usage by name
        select * replace (
          'Unused' as CommitmentDiscountStatus, 'Usage' as ChargeCategory,
          cast(EffectiveCost * 0.1 as decimal(38,10)) as EffectiveCost,
          cast(0 as decimal(38,10)) as BilledCost, 'unused_commitment' as x_row_kind,
          cast(null as varchar) as ResourceId, cast(null as json) as Tags)
        from focus.cost_and_usage where CommitmentDiscountId = $id and x_source_row % 6 = 0
        """,
        {"id": COMMITMENT},
    )
    con.execute(
        """
        create or replace table meta.load_state as
        select x_provider as provider, x_export_name as export_name, 'focus' as format,
               x_billing_period as billing_period, 'fixture-manifest' as delivery_id,
               'focus_sample.csv' as location, 1 as files, count(*)::bigint as rows,
               max(ChargePeriodEnd) as loaded_at, 'fixture-load' as load_id
        from focus.cost_and_usage group by all
        """
    )
    con.close()
    return path


@dataclass(frozen=True)
class Warehouse:
    """Where the fixture lives and the environment a notebook process needs to find it."""

    root: Path
    database: Path
    settings: Settings
    env: dict[str, str]


def build_published(root: Path) -> Warehouse:
    """Build the fixture warehouse with its marts under ``root`` and publish the snapshot."""
    database = build(root / "finops.duckdb")
    con = duckdb.connect(str(database))
    for name in sql.names("marts"):
        sql.run(con, name)
    con.close()
    env = {
        "OPEN_FINOPS_DATABASE": str(database),
        "OPEN_FINOPS_PROJECT_PUBLISH_DIR": str(root / "published"),
    }
    settings = load_settings(env=env)
    publish(database, settings)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("OPEN_FINOPS_")}
    full_env.update(env)
    return Warehouse(root, database, settings, full_env)


if __name__ == "__main__":  # pragma: no cover - developer convenience
    import sys

    print(build(Path(sys.argv[1])))
