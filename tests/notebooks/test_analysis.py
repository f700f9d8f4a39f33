"""Analysis functions on the fixture snapshot, checked against sums taken straight from the
FOCUS table (not through the marts or the analysis queries)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import duckdb
import numpy as np
import pytest
from focus_fixture import Warehouse

from finops_lib import analysis as fa
from finops_lib.charts import money
from finops_lib.errors import InputError


@pytest.fixture(scope="module")
def con(warehouse: Warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = fa.open_readonly(warehouse.settings)
    yield connection
    connection.close()


def _focus_sum(con: duckdb.DuckDBPyConnection, period: str, provider: str | None = None) -> Decimal:
    row = con.execute(
        "select coalesce(sum(EffectiveCost), 0) from focus.cost_and_usage where x_billing_period = $p "
        "and ($prov is null or ProviderName = $prov)",
        {"p": period, "prov": provider},
    ).fetchone()
    assert row is not None
    return Decimal(row[0])


def test_analyses_read_the_published_snapshot(warehouse: Warehouse) -> None:
    assert fa.warehouse_path(warehouse.settings) == warehouse.root / "published" / "finops.duckdb"


def test_default_period_is_the_latest_complete_one(con: duckdb.DuckDBPyConnection) -> None:
    # the fixture's newest period (2024-10) holds only one stray charge dated 30 Sep
    assert fa.default_period(con) == "2024-09"
    assert fa.default_period(con, complete=False) == "2024-09"


def test_kpis_match_the_focus_table(con: duckdb.DuckDBPyConnection) -> None:
    f = fa.make_filters(con)
    row = fa.cost.kpis(con, f).row(0, named=True)
    assert row["effective_cost"] == _focus_sum(con, "2024-09")
    assert row["previous_effective_cost"] == _focus_sum(con, "2024-08")
    assert row["change"] == _focus_sum(con, "2024-09") - _focus_sum(con, "2024-08")


def test_provider_filter_restricts_every_total(con: duckdb.DuckDBPyConnection) -> None:
    f = fa.make_filters(con, providers="Microsoft")
    assert fa.cost.kpis(con, f)["effective_cost"][0] == _focus_sum(con, "2024-09", "Microsoft")
    assert set(fa.cost.daily_cost(con, f)["provider"]) == {"Microsoft"}


def test_cost_by_service_adds_up_to_the_period_total(con: duckdb.DuckDBPyConnection) -> None:
    f = fa.make_filters(con)
    frame = fa.cost.cost_by(con, f, "service", limit=1000)
    assert sum(frame["effective_cost"].to_list(), Decimal(0)) == _focus_sum(con, "2024-09")


def test_unknown_dimension_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InputError, match="unknown dimension"):
        fa.cost.cost_by(con, fa.make_filters(con), "x; drop table marts.daily_cost")


def test_period_not_in_data_is_refused_with_the_choices(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InputError, match="2023-01"):
        fa.make_filters(con, "2023-01")


def test_savings_rate_is_list_minus_effective_over_list(con: duckdb.DuckDBPyConnection) -> None:
    row = fa.cost.savings(con, fa.make_filters(con)).row(0, named=True)
    expected = (row["list_cost"] - row["effective_cost"]) / row["list_cost"]
    assert row["effective_savings_rate"] == pytest.approx(float(expected))


def test_commitment_utilisation_counts_the_unused_rows(con: duckdb.DuckDBPyConnection) -> None:
    f = fa.make_filters(con)
    unused = con.execute(
        "select sum(EffectiveCost) from focus.cost_and_usage where x_billing_period = '2024-09' "
        "and CommitmentDiscountStatus = 'Unused'"
    ).fetchone()
    assert unused is not None
    frame = fa.rates.utilisation(con, f)
    assert frame.filter(frame["status"] == "Unused")["effective_cost"][0] == pytest.approx(
        float(unused[0])
    )


def test_tag_keys_fall_back_to_those_in_the_data(con: duckdb.DuckDBPyConnection) -> None:
    keys, note = fa.allocation.choose_tag_keys(con, fa.make_filters(con), ["team", "cost_center"])
    assert keys and "team" not in keys and "most frequent" in note


def test_tag_values_add_up_to_the_period_total(con: duckdb.DuckDBPyConnection) -> None:
    f = fa.make_filters(con)
    frame = fa.allocation.cost_by_tag(con, f, "environment")
    assert "(untagged)" in frame["tag_value"].to_list()
    assert sum(frame["effective_cost"].to_list(), Decimal(0)) == _focus_sum(con, "2024-09")


def test_chargeback_rows_total_the_period(con: duckdb.DuckDBPyConnection) -> None:
    table = fa.allocation.chargeback(con, fa.make_filters(con), "environment")
    accounts = con.execute(
        "select count(distinct coalesce(SubAccountId, BillingAccountId)) from focus.cost_and_usage "
        "where x_billing_period = '2024-09'"
    ).fetchone()
    assert accounts is not None
    # cells are rounded to the cent and accounts under half a cent dropped
    tolerance = 0.005 * accounts[0] * (table.width - 1)
    assert table["total"].sum() == pytest.approx(float(_focus_sum(con, "2024-09")), abs=tolerance)


def test_robust_score_flags_a_spike_and_not_the_noise() -> None:
    values = np.array([10.0, 11.0, 9.0, 10.5, 9.5, 10.0, 10.2, 9.8, 50.0, 10.1])
    _, scores = fa.anomalies.robust_scores(values, window=28, min_days=7)
    assert np.isnan(scores[:7]).all()
    assert abs(scores[8]) >= 3 and abs(scores[9]) < 3


def test_forecast_of_a_complete_month_is_its_actual(con: duckdb.DuckDBPyConnection) -> None:
    row = fa.anomalies.forecast(con, fa.make_filters(con), budget=1.0).row(0, named=True)
    assert row["days_left"] == 0
    assert row["forecast"] == pytest.approx(float(_focus_sum(con, "2024-09")))
    assert row["status"] == "over budget"


def test_default_period_skips_partial_and_stray_periods() -> None:
    mem = duckdb.connect()
    mem.execute("create schema marts")
    mem.execute(
        "create table marts.daily_cost as select * from (values "
        "(date '2024-08-01', '2024-08', 1.0::decimal(38,10), 1::bigint), "
        "(date '2024-08-31', '2024-08', 1.0::decimal(38,10), 1::bigint), "
        "(date '2024-09-15', '2024-09', 1.0::decimal(38,10), 1::bigint), "
        "(date '2024-09-30', '2024-10', 1.0::decimal(38,10), 1::bigint)"
        ") t(day, billing_period, effective_cost, rows)"
    )
    assert fa.default_period(mem) == "2024-08"  # the latest complete month
    assert fa.default_period(mem, complete=False) == "2024-09"  # latest with days in its month


def test_daily_series_counts_days_without_charges_as_zero(con: duckdb.DuckDBPyConnection) -> None:
    series = fa.anomalies.daily_series(con, fa.make_filters(con))
    days = series["day"].to_list()
    assert (days[-1] - days[0]).days + 1 == len(days)
    assert series["effective_cost"].sum() == pytest.approx(
        float(sum((_focus_sum(con, p) for p in ("2024-07", "2024-08", "2024-09")), Decimal(0))),
        abs=1e-6,
    )


def test_headline_states_spend_change_and_the_biggest_move(con: duckdb.DuckDBPyConnection) -> None:
    text = fa.cost.headline(con, fa.make_filters(con))
    shown = money(_focus_sum(con, "2024-09")).replace("$", "\\$")  # escaped for markdown
    assert f"**{shown}**" in text and "on 2024-08" in text
    assert "Biggest move" in text


def test_headline_without_a_previous_period_claims_no_change(
    con: duckdb.DuckDBPyConnection,
) -> None:
    text = fa.cost.headline(con, fa.make_filters(con, "2024-07"))
    assert "2024-06" not in text and "Biggest move" not in text


def test_conformance_lists_every_rule_failures_first(con: duckdb.DuckDBPyConnection) -> None:
    from finops_lib import checks

    outcome = fa.quality.conformance(con, "2024-09")
    assert outcome.frame.height == len(checks.load_rules())
    failing = outcome.frame["failing_rows"].to_list()
    assert failing == sorted(failing, reverse=True)
    assert "rules" in outcome.message


def test_ranked_tables_order_equal_costs_by_name() -> None:
    """A top-N cut from rows of equal cost takes the same rows on every run (the reports' bytes
    stay the same): ties are ordered by name, whatever order the rows were stored or grouped in."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.daily_cost (billing_period varchar, day date, provider varchar, "
        "sub_account_id varchar, sub_account_name varchar, billing_account_id varchar, "
        "billing_account_name varchar, service_name varchar, service_category varchar, "
        "region varchar, charge_category varchar, pricing_category varchar, "
        "effective_cost decimal(38, 10), rows bigint)"
    )
    names = [f"svc-{i:02d}" for i in range(60)]
    for period, cost in (("2024-09", 5), ("2024-08", 2)):
        con.executemany(
            "insert into marts.daily_cost values ($1, $1 || '-01', 'AWS', 'a', 'a', 'b', 'b', $2, 'Compute', "
            "'r', 'Usage', 'Standard', $3, 1)",
            [(period, n, cost) for n in reversed(names)],
        )
    f = fa.Filters(period="2024-09")
    assert fa.cost.cost_by(con, f, "service", limit=10)["name"].to_list() == names[:10]
    assert fa.cost.top_movers(con, f, "service", limit=10)["name"].to_list() == names[:10]
    assert fa.base.filter_options(con)["services"] == names
