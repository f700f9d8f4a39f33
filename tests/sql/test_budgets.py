"""Budgets on hand-made FOCUS rows in a real DuckDB file: exact actuals, a weekday-aware forecast
derived from the calendar, thresholds, filters and quarters.

The data: AWS EC2 usage every day from 2026-07-01 to 2026-10-20 costing 10 x (weekday + 1)
(Monday 10 ... Sunday 70), a 500 support fee (Usage, Recurring) on each month's first day, a
1,000 one-time purchase on 2026-10-05, a -50 correction of the 2026-10 bill dated 2026-09-15;
Azure usage of 5 a day (x_provider Azure, ProviderName Microsoft) and EUR usage of 7 a day that
no USD budget may count.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import cost_rows
import duckdb
import pytest
from cost_rows import days, row

from finops_lib import budgets, metabase

LAST = date(2026, 10, 20)


def _ec2(day: date) -> Decimal:
    return Decimal(10 * (day.weekday() + 1))


def _rows() -> list[dict]:
    rows = [row(d, _ec2(d)) for d in days(date(2026, 7, 1), LAST)]
    rows += [
        row(
            date(2026, m, 1),
            500,
            ServiceName="AWS Support",
            ChargeFrequency="Recurring",
            ResourceId=None,
        )
        for m in (7, 8, 9, 10)
    ]
    rows.append(
        row(
            date(2026, 10, 5),
            1000,
            ChargeCategory="Purchase",
            ChargeFrequency="One-Time",
            ResourceId="ri-1",
        )
    )
    rows.append(row(date(2026, 9, 15), -50, period="2026-10", ChargeClass="Correction"))
    rows += [
        row(
            d,
            5,
            ProviderName="Microsoft",
            x_provider="Azure",
            BillingAccountId="EA-1",
            SubAccountId="sub-1",
            ServiceName="Virtual Machines",
            ResourceId="vm-1",
        )
        for d in days(date(2026, 7, 1), LAST)
    ]
    rows += [
        row(d, 7, BillingCurrency="EUR", BillingAccountId="PAY-EU", SubAccountId="eu-1")
        for d in days(date(2026, 7, 1), LAST)
    ]
    return rows


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = cost_rows.write(
        tmp_path_factory.mktemp("budgets") / "w.duckdb", _rows(), allocation=True
    )
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def _one(
    con: duckdb.DuckDBPyConnection, month: str | None = None, **table: object
) -> budgets.BudgetStatus:
    (status,) = budgets.evaluate(con, budgets.parse({"b": {"amount": 10_000, **table}}), month)
    return status


def _aws_october_actual() -> Decimal:
    usage = sum((_ec2(d) for d in days(date(2026, 10, 1), LAST)), Decimal(0))
    return usage + 500 + 1000 - 50


def _weekday_sum(first: date, last: date) -> Decimal:
    return sum((_ec2(d) for d in days(first, last)), Decimal(0))


def test_actual_is_the_exact_effective_cost_of_the_periods_rows(
    con: duckdb.DuckDBPyConnection,
) -> None:
    s = _one(con, "2026-10", providers=["AWS"])
    assert s.actual == _aws_october_actual()
    assert s.as_of == LAST and s.period == "2026-10"


def test_forecast_adds_each_remaining_days_weekday_mean(con: duckdb.DuckDBPyConnection) -> None:
    s = _one(con, "2026-10", providers=["AWS"])
    expected = _aws_october_actual() + _weekday_sum(date(2026, 10, 21), date(2026, 10, 31))
    assert s.forecast == expected.quantize(Decimal("0.01"))
    # a straight line from the month-to-date usage would give another figure
    usage = _weekday_sum(date(2026, 10, 1), LAST)
    assert s.forecast != (_aws_october_actual() + usage / 20 * 11).quantize(Decimal("0.01"))


def test_quarter_with_one_month_forecasts_the_other_two_with_their_fees(
    con: duckdb.DuckDBPyConnection,
) -> None:
    s = _one(con, "2026-11", providers=["AWS"], period="quarterly")
    assert (s.period, s.start, s.end) == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert s.actual == _aws_october_actual()
    remaining = _weekday_sum(date(2026, 10, 21), date(2026, 12, 31))
    assert s.forecast == _aws_october_actual() + remaining + 2 * 500


def test_complete_period_forecasts_its_actual(con: duckdb.DuckDBPyConnection) -> None:
    s = _one(con, "2026-08", providers=["AWS"])
    assert s.actual == _weekday_sum(date(2026, 8, 1), date(2026, 8, 31)) + 500
    assert s.forecast == s.actual and s.as_of == date(2026, 8, 31)


def test_thresholds_crossed_follow_forecast_and_actual(con: duckdb.DuckDBPyConnection) -> None:
    s = _one(con, "2026-10", providers=["AWS"])
    forecast, actual = s.forecast, s.actual
    # forecast between 80% and 100% of the amount, actual under 100%: only the forecast one
    amount = (forecast / Decimal("0.9")).quantize(Decimal(1))
    (mid,) = budgets.evaluate(
        con, budgets.parse({"m": {"amount": amount, "providers": "AWS"}}), "2026-10"
    )
    assert [t.label for t in mid.crossed] == ["forecast 80%"]
    low = (actual * Decimal("0.99")).quantize(Decimal(1))
    (over,) = budgets.evaluate(
        con, budgets.parse({"o": {"amount": low, "providers": "AWS"}}), "2026-10"
    )
    assert {t.kind for t in over.crossed} == {"forecast", "actual"}
    (none,) = budgets.evaluate(
        con, budgets.parse({"n": {"amount": forecast * 2, "providers": "AWS"}}), "2026-10"
    )
    assert none.crossed == ()


def test_currency_keeps_only_its_rows(con: duckdb.DuckDBPyConnection) -> None:
    usd = _one(con, "2026-10")
    eur = _one(con, "2026-10", currency="EUR")
    assert usd.actual == _aws_october_actual() + 5 * 20
    assert eur.actual == 7 * 20


def test_provider_filter_matches_provider_name_or_x_provider(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert _one(con, "2026-10", providers=["Azure"]).actual == 5 * 20
    assert _one(con, "2026-10", providers=["Microsoft"]).actual == 5 * 20


def test_account_filter_matches_billing_or_sub_account(con: duckdb.DuckDBPyConnection) -> None:
    assert _one(con, "2026-10", accounts=["PAY"]).actual == _aws_october_actual()
    assert _one(con, "2026-10", accounts=["sub-1", "111"]).actual == _aws_october_actual() + 100


def test_service_filter_keeps_only_that_service(con: duckdb.DuckDBPyConnection) -> None:
    s = _one(con, "2026-10", services=["AWS Support"])
    assert s.actual == 500
    # the fee is already in: nothing more expected this month
    assert s.forecast == 500


def test_dimension_budget_reads_the_allocation_and_matches_its_focus_twin(
    con: duckdb.DuckDBPyConnection,
) -> None:
    by_team = _one(con, "2026-10", dimension={"team": "data"})
    by_provider = _one(con, "2026-10", providers=["AWS"])
    assert by_team.actual == by_provider.actual
    assert by_team.forecast == by_provider.forecast
    quarter = _one(con, "2026-10", dimension={"team": "data"}, period="quarterly")
    assert quarter.forecast == _one(con, "2026-10", providers=["AWS"], period="quarterly").forecast


def test_default_period_is_the_latest_in_the_data(con: duckdb.DuckDBPyConnection) -> None:
    assert _one(con).period == "2026-10"


def test_cumulative_path_ends_at_the_forecast_on_the_last_day(
    con: duckdb.DuckDBPyConnection,
) -> None:
    s = _one(con, "2026-10", providers=["AWS"])
    frame = budgets.path_frame(s)
    assert frame["day"][0] == date(2026, 10, 1) and frame["day"][-1] == date(2026, 10, 31)
    actual = frame.filter(frame["kind"] == "actual")
    assert actual["day"][-1] == LAST
    assert actual["cumulative"][-1] == pytest.approx(float(s.actual))
    assert frame["cumulative"][-1] == pytest.approx(float(s.forecast))


def test_budgets_table_has_one_row_per_budget(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    found = budgets.parse({"a": {"amount": 1}, "b": {"amount": 10**9, "period": "quarterly"}})
    frame = budgets.table(budgets.evaluate(con, found, "2026-10"))
    assert frame["budget"].to_list() == ["a", "b"]
    assert frame["period"].to_list() == ["2026-10", "2026-Q4"]
    assert frame["crossed"][1] == ""


def test_metabase_budgets_card_matches_the_evaluation(tmp_path: Path) -> None:
    tree = {
        "aws": {"amount": 9000, "providers": ["AWS"]},
        "q": {"amount": 5000, "period": "quarterly", "services": "Amazon EC2"},
    }
    path = cost_rows.write(tmp_path / "w.duckdb", _rows(), budgets=tree)
    with duckdb.connect(str(path)) as con:
        con.execute("create view focus_cost_and_usage as select * from focus.cost_and_usage")
        con.execute("create view meta_config_trees as select * from meta.config_trees")
        card = (Path(__file__).resolve().parents[2] / "metabase/cards/12_budgets.sql").read_text()
        text, params = metabase.to_duckdb(card, {})
        got = {(r[0], r[1]): r[4] for r in con.execute(text, params).fetchall()}
        for s in budgets.evaluate(con, budgets.parse(tree), "2026-10"):
            assert got[(s.budget.name, s.period)] == s.actual.quantize(Decimal("0.01"))
