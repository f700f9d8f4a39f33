"""Mart-backed analysis queries give the figures the same question asked of focus.cost_and_usage gives.

Each reference below is the per-row query the analysis ran before its mart existed (marts.resource_cost,
marts.tag_cost, marts.export_periods): money is compared to the last decimal, over every billing period
of the fixture and a spread of provider / account / service filters and tag keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl
import pytest
from focus_fixture import Warehouse

from finops_lib import analysis as fa

# focus.cost_and_usage with the notebooks' dimensions, filtered as every analysis query filters.
SOURCE = """
with source as (
    select
        *,
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        coalesce(SubAccountId, BillingAccountId) as sub_account_id,
        coalesce(SubAccountName, SubAccountId, BillingAccountId) as sub_account_name,
        coalesce(ServiceName, '(none)') as service_name
    from focus.cost_and_usage
    where x_billing_period = $period
),

filtered as (
    select * from source
    where (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
)
"""

TAG_VALUE = (
    "coalesce(nullif(json_extract_string(Tags, '$.\"' || $tag_key || '\"'), ''), '(untagged)')"
)

REFERENCE = {
    "cost_by_tag": f"""{SOURCE}
        select
            {TAG_VALUE} as tag_value,
            sum(EffectiveCost)::decimal(38, 10) as effective_cost,
            (sum(EffectiveCost) / nullif(sum(sum(EffectiveCost)) over (), 0))::double as share
        from filtered
        group by tag_value
        order by tag_value = '(untagged)', effective_cost desc, tag_value""",
    "chargeback": f"""{SOURCE}
        select sub_account_name, {TAG_VALUE} as tag_value,
               sum(EffectiveCost)::decimal(38, 10) as effective_cost
        from filtered
        group by all
        order by sub_account_name, tag_value""",
    "tag_coverage": f"""{SOURCE}
        , keys as (select unnest($tag_keys::varchar[]) as tag_key)
        select
            keys.tag_key,
            coalesce(sum(EffectiveCost) filter (
                where nullif(json_extract_string(Tags, '$."' || keys.tag_key || '"'), '') is not null
            ), 0)::decimal(38, 10) as tagged_cost,
            coalesce(sum(EffectiveCost), 0)::decimal(38, 10) as total_cost,
            (tagged_cost / nullif(total_cost, 0))::double as coverage
        from keys, filtered
        group by keys.tag_key
        order by keys.tag_key""",
    # resources: the costs, and every value each descriptive column may take (the query shows one of them)
    "top_resources": f"""{SOURCE}
        select
            ResourceId as resource_id,
            sum(EffectiveCost)::decimal(38, 10) as effective_cost,
            sum(BilledCost)::decimal(38, 10) as billed_cost,
            list(distinct ResourceName) as resource_name,
            list(distinct ResourceType) as resource_type,
            list(distinct service_name) as service_name,
            list(distinct sub_account_name) as sub_account_name,
            list(distinct provider) as provider
        from filtered
        where ResourceId is not null
        group by ResourceId
        order by effective_cost desc, resource_id
        limit $limit""",
    "untagged_resources": f"""{SOURCE}
        select
            ResourceId as resource_id,
            sum(EffectiveCost)::decimal(38, 10) as effective_cost,
            list(distinct ResourceName) as resource_name,
            list(distinct service_name) as service_name,
            list(distinct sub_account_name) as sub_account_name,
            list(distinct provider) as provider
        from filtered
        where ResourceId is not null
          and not list_bool_or(list_transform(
              $tag_keys::varchar[],
              k -> nullif(json_extract_string(Tags, '$."' || k || '"'), '') is not null
          ))
        group by ResourceId
        order by effective_cost desc, resource_id
        limit $limit""",
    "tag_keys": """
        with tagged as (
            select unnest(json_keys(Tags)) as tag_key, EffectiveCost
            from focus.cost_and_usage
            where x_billing_period = $period and Tags is not null
        )
        select tag_key, count(*)::bigint as rows, sum(EffectiveCost)::decimal(38, 10) as effective_cost
        from tagged
        group by tag_key
        order by rows desc, tag_key""",
    "freshness": """
        select
            coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
            x_export_name as export_name,
            max(x_billing_period) as latest_period,
            max(ChargePeriodEnd) as last_charge_end,
            count(*)::bigint as rows
        from focus.cost_and_usage
        group by all
        order by provider, export_name""",
}

# Keys of the FOCUS sample: " org" has a leading space, "Cost department" a space, and
# aks-managed-createOperationID is present with an empty value (which counts as untagged).
BLANK = "aks-managed-createOperationID"
TAG_KEYS = ["environment", "env", " org", "CostAllocationTest", "Cost department", BLANK, "absent"]
KEY_LISTS = [["environment", "env"], ["business_unit"], [BLANK], ["absent"], [], ["env", "env"]]


@pytest.fixture(scope="module")
def con(warehouse: Warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = fa.open_readonly(warehouse.settings)
    yield connection
    connection.close()


def _filters(con: duckdb.DuckDBPyConnection) -> list[fa.Filters]:
    """Every period, each kind of filter alone, a combination and one that matches nothing."""
    top = con.execute(
        "select sub_account_id, service_name from marts.resource_cost "
        "where billing_period = '2024-09' group by all order by sum(effective_cost) desc limit 3"
    ).fetchall()
    accounts, services = [a for a, _ in top], sorted({s for _, s in top})
    out = [fa.make_filters(con, p) for p in fa.periods(con)["billing_period"]]
    f = fa.make_filters(con, "2024-09")
    out += [
        f.with_(providers="AWS"),
        f.with_(providers=["Microsoft", "Oracle"]),
        f.with_(accounts=accounts[:2]),
        f.with_(services=services),
        f.with_(providers="AWS", accounts=accounts, services=services[:1]),
        f.with_(providers="nobody"),
    ]
    return out


def _reference(
    con: duckdb.DuckDBPyConnection, name: str, f: fa.Filters, **extra: Any
) -> pl.DataFrame:
    text = REFERENCE[name]
    params = {k: v for k, v in f.params(**extra).items() if f"${k}" in text}
    return con.execute(text, params).pl()


def _same_money(got: pl.DataFrame, want: pl.DataFrame) -> None:
    """Equal frames, money as DECIMAL compared exactly (not approximately)."""
    for column, dtype in got.schema.items():
        if column.endswith("_cost"):
            assert isinstance(dtype, pl.Decimal), column
    assert got.columns == want.columns
    assert got.to_dicts() == want.to_dicts()


def _same_resources(got: pl.DataFrame, want: pl.DataFrame, money: list[str]) -> None:
    """Same resources in the same order with the same costs; names are one of the resource's own."""
    _same_money(got.select("resource_id", *money), want.select("resource_id", *money))
    for column in set(got.columns) - {"resource_id", *money}:
        for value, allowed in zip(got[column], want[column], strict=True):
            assert value in allowed.to_list() or (value is None and not allowed.drop_nulls().len())


def test_cost_by_tag_matches_the_focus_table(con: duckdb.DuckDBPyConnection) -> None:
    for f in _filters(con):
        for key in TAG_KEYS:
            got = fa.allocation.cost_by_tag(con, f, key)
            _same_money(got, _reference(con, "cost_by_tag", f, tag_key=key))


def test_chargeback_matches_the_focus_table(con: duckdb.DuckDBPyConnection) -> None:
    for f in _filters(con):
        for key in TAG_KEYS:
            got = fa.base.query(con, "chargeback", f.params(tag_key=key))
            _same_money(got, _reference(con, "chargeback", f, tag_key=key))


def test_tag_coverage_matches_the_focus_table(con: duckdb.DuckDBPyConnection) -> None:
    for f in _filters(con):
        for keys in KEY_LISTS:
            got = fa.allocation.tag_coverage(con, f, keys)
            _same_money(got, _reference(con, "tag_coverage", f, tag_keys=keys))


def test_top_resources_match_the_focus_table(con: duckdb.DuckDBPyConnection) -> None:
    for f in _filters(con):
        for limit in (5, 10_000):
            got = fa.cost.top_resources(con, f, limit=limit)
            want = _reference(con, "top_resources", f, limit=limit)
            _same_resources(got, want, ["effective_cost", "billed_cost"])


def test_untagged_resources_match_the_focus_table(con: duckdb.DuckDBPyConnection) -> None:
    for f in _filters(con):
        for keys in KEY_LISTS:
            got = fa.allocation.untagged_resources(con, f, keys, limit=10_000)
            want = _reference(con, "untagged_resources", f, tag_keys=keys, limit=10_000)
            _same_resources(got, want, ["effective_cost"])


def test_tag_keys_match_the_focus_table(con: duckdb.DuckDBPyConnection) -> None:
    for period in fa.periods(con)["billing_period"]:
        f = fa.make_filters(con, period)
        _same_money(fa.allocation.tag_keys_in_data(con, f), _reference(con, "tag_keys", f))


def test_freshness_matches_the_focus_table(con: duckdb.DuckDBPyConnection) -> None:
    f = fa.make_filters(con)
    _same_money(fa.cost.freshness(con), _reference(con, "freshness", f))


def test_the_fixture_exercises_the_edge_cases(con: duckdb.DuckDBPyConnection) -> None:
    """The comparisons above mean something only if the fixture has these cases."""
    (blank,) = con.execute(
        "select count(*) from marts.tag_cost where tag_key is not null and tag_value is null"
    ).fetchone() or (0,)
    (shared,) = con.execute(
        "select count(*) from (select resource_id from marts.resource_cost where resource_id "
        "is not null group by billing_period, resource_id having count(*) > 1)"
    ).fetchone() or (0,)
    assert blank > 0  # keys present with an empty or null value (count as untagged)
    assert shared > 0  # resources under more than one account / service / tag set
    total = fa.allocation.tag_coverage(con, fa.make_filters(con), ["environment"])["total_cost"][0]
    assert isinstance(total, Decimal) and total > 0
