"""queries/marts: a few hand-written FOCUS rows in, the exact mart rows out."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from focus_fixture import focus_columns

from finops_lib import sql

EXTRAS = [
    ("x_provider", "VARCHAR"),
    ("x_export_name", "VARCHAR"),
    ("x_billing_period", "VARCHAR"),
    ("x_source_file", "VARCHAR"),
    ("x_source_row", "BIGINT"),
    ("x_load_id", "VARCHAR"),
    ("x_row_kind", "VARCHAR"),
    ("x_delivery_id", "VARCHAR"),
    ("x_extras", "JSON"),
]


def _row(**values: Any) -> dict[str, Any]:
    base = {
        "ChargePeriodStart": "2024-09-01 10:00:00+00",
        "ChargePeriodEnd": "2024-09-01 11:00:00+00",
        "BillingAccountId": "111",
        "SubAccountId": "222",
        "SubAccountName": "team-a",
        "ServiceName": "EC2",
        "ServiceCategory": "Compute",
        "RegionId": "us-east-1",
        "ChargeCategory": "Usage",
        "PricingCategory": "Standard",
        "BillingCurrency": "USD",
        "ProviderName": "AWS",
        "BilledCost": "1.10",
        "EffectiveCost": "1.00",
        "ListCost": "1.50",
        "ContractedCost": "1.20",
        "x_provider": "AWS",
        "x_billing_period": "2024-09",
        "x_row_kind": "source",
    }
    base.update(values)
    return base


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute("create schema focus")
    columns = [*focus_columns(), *EXTRAS]
    ddl = ", ".join(f"{sql.quote_ident(n)} {t}" for n, t in columns)
    connection.execute(f"create table focus.cost_and_usage ({ddl})")
    return connection


def _insert(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        names = ", ".join(sql.quote_ident(k) for k in row)
        marks = ", ".join(f"${i}" for i in range(1, len(row) + 1))
        con.execute(
            f"insert into focus.cost_and_usage ({names}) values ({marks})", list(row.values())
        )


def _build(con: duckdb.DuckDBPyConnection) -> None:
    for name in sql.names("marts"):
        sql.run(con, name)


def test_daily_cost_sums_rows_of_the_same_day_and_dimensions(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _insert(con, [_row(), _row(ChargePeriodStart="2024-09-01 20:00:00+00", EffectiveCost="2.50")])
    _build(con)
    rows = con.execute(
        "select day::varchar, provider, effective_cost, billed_cost, rows from marts.daily_cost"
    ).fetchall()
    assert rows == [("2024-09-01", "AWS", Decimal("3.5"), Decimal("2.2"), 2)]


def test_daily_cost_fills_missing_dimensions_with_readable_defaults(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _insert(
        con,
        [
            _row(
                ProviderName=None,
                x_provider="GCP",
                ServiceCategory=None,
                RegionId=None,
                SubAccountId=None,
                SubAccountName=None,
            )
        ],
    )
    _build(con)
    row = con.execute(
        "select provider, service_category, region, sub_account_id, sub_account_name from marts.daily_cost"
    ).fetchone()
    assert row == ("GCP", "Other", "(global)", "111", "111")


def test_commitments_mart_splits_used_and_unused(con: duckdb.DuckDBPyConnection) -> None:
    sp = {
        "CommitmentDiscountId": "sp-1",
        "CommitmentDiscountName": "plan",
        "CommitmentDiscountType": "SP",
    }
    _insert(
        con,
        [
            _row(**sp, CommitmentDiscountStatus="Used", EffectiveCost="0.70"),
            _row(
                **sp,
                CommitmentDiscountStatus="Unused",
                EffectiveCost="0.30",
                x_row_kind="unused_commitment",
            ),
            _row(),  # on demand, not a commitment row
        ],
    )
    _build(con)
    rows = con.execute(
        "select commitment_status, effective_cost from marts.commitments order by 1"
    ).fetchall()
    assert rows == [("Unused", Decimal("0.3")), ("Used", Decimal("0.7"))]


def _tags(**tags: Any) -> str:
    """A FOCUS Tags value (JSON object text)."""
    return json.dumps(tags)


def test_resource_cost_lists_the_keys_that_carry_a_value(con: duckdb.DuckDBPyConnection) -> None:
    _insert(
        con,
        [
            _row(ResourceId="i-1", Tags=_tags(team="a", env="", owner=None, spec={"x": 1})),
            _row(ResourceId="i-1", Tags=_tags(team="a", env="", owner=None, spec={"x": 1})),
            _row(ResourceId="i-2", Tags='{"say \\"hi\\"": "yes", "back\\\\slash": "b"}'),
            _row(ResourceId="i-3", Tags=None),
            _row(ResourceId=None, Tags='["not", "an", "object"]', EffectiveCost="0.25"),
        ],
    )
    _build(con)
    rows = con.execute(
        "select resource_id, tagged_keys, effective_cost, rows from marts.resource_cost "
        "order by resource_id nulls last"
    ).fetchall()
    assert rows == [
        ("i-1", ["spec", "team"], Decimal("2"), 2),  # '' and JSON null carry no value
        ("i-2", ["back\\slash", 'say "hi"'], Decimal("1"), 1),  # quotes cannot break the path
        ("i-3", [], Decimal("1"), 1),
        (None, [], Decimal("0.25"), 1),  # rows without a resource are kept for marts.tag_cost
    ]


def test_tag_cost_holds_values_and_a_total_per_group(con: duckdb.DuckDBPyConnection) -> None:
    _insert(
        con,
        [
            _row(Tags=_tags(team="a")),
            _row(Tags=_tags(team="a", env="")),
            _row(Tags=_tags(team="b"), EffectiveCost="2"),
            _row(Tags=None, EffectiveCost="4"),
        ],
    )
    _build(con)
    rows = con.execute(
        "select tag_key, tag_value, effective_cost, rows from marts.tag_cost "
        "order by tag_key nulls first, tag_value nulls first"
    ).fetchall()
    assert rows == [
        (None, None, Decimal("8"), 4),  # every row, tagged or not
        ("env", None, Decimal("1"), 1),  # present, no value
        ("team", "a", Decimal("2"), 2),
        ("team", "b", Decimal("2"), 1),
    ]


def test_cost_by_tag_reads_untagged_as_total_minus_tagged(con: duckdb.DuckDBPyConnection) -> None:
    _insert(
        con,
        [
            _row(Tags=_tags(team="a"), EffectiveCost="3"),
            _row(Tags=_tags(team=""), EffectiveCost="0"),  # untagged at zero cost: still listed
            _row(Tags=_tags(team="(untagged)"), EffectiveCost="1"),  # merges with untagged
            _row(SubAccountId="333", Tags=_tags(team="a"), EffectiveCost="5"),  # filtered out
        ],
    )
    _build(con)
    params = {"period": "2024-09", "providers": [], "accounts": ["222"], "services": []}
    rows = sql.run(con, "analysis/cost_by_tag", {**params, "tag_key": "team"}).fetchall()
    assert rows == [("a", Decimal("3"), 0.75), ("(untagged)", Decimal("1"), 0.25)]
    rows = sql.run(con, "analysis/tag_coverage", {**params, "tag_keys": ["team", "x"]}).fetchall()
    assert rows == [
        ("team", Decimal("4"), Decimal("4"), 1.0),
        ("x", Decimal("0"), Decimal("4"), 0.0),
    ]


def test_export_periods_keeps_the_last_charge(con: duckdb.DuckDBPyConnection) -> None:
    _insert(
        con,
        [
            _row(x_export_name="cur", ChargePeriodEnd="2024-09-02 00:00:00+00"),
            _row(x_export_name="cur", ChargePeriodEnd="2024-09-01 11:00:00+00"),
        ],
    )
    _build(con)
    rows = con.execute(
        "select provider, export_name, billing_period, last_charge_end::varchar, rows "
        "from marts.export_periods"
    ).fetchall()
    assert rows == [("AWS", "cur", "2024-09", "2024-09-02 00:00:00+00", 2)]
