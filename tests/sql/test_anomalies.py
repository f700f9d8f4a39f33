"""Usage anomalies on hand-made FOCUS rows in a real DuckDB file (cost_rows.anomaly_rows).

The data (2026-07-01 to 2026-10-31): EC2 usage in account 111 on two resources, i-a at
100 + 5 x weekday and i-b at 50 a day, plus a planted rise of 400 on i-b on 2026-10-14; a 800
support fee (Usage, Recurring), a tax and a usage-based credit on each month's first day; a SaaS
subscription billed as usage-based usage of 375 on each month's first day; a 5,000 purchase on
2026-10-12; a tiny service of 0.10 a day jumping to 2.00 once; a -300 correction of the 2026-10
bill dated 2026-09-20.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import cost_rows
import duckdb
import pytest
from cost_rows import SPIKE, SPIKE_DAY, anomaly_rows

from finops_lib import metabase
from finops_lib.analysis import anomalies, cost
from finops_lib.analysis.base import Filters


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = cost_rows.write(tmp_path_factory.mktemp("anomalies") / "w.duckdb", anomaly_rows())
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def found(con: duckdb.DuckDBPyConnection):  # type: ignore[no-untyped-def]
    return anomalies.usage_anomalies(con, Filters("2026-10"))


def test_planted_usage_spike_is_flagged_with_the_resource_that_drove_it(found) -> None:  # type: ignore[no-untyped-def]
    spikes = found.filter(found["day"] == SPIKE_DAY)
    assert spikes.height == 1
    a = spikes.row(0, named=True)
    assert (a["provider"], a["sub_account_id"], a["service_name"]) == ("AWS", "111", "Amazon EC2")
    assert a["top_resource_id"] == "i-b" and a["top_resource_delta"] == SPIKE
    expected = Decimal(100 + 5 * SPIKE_DAY.weekday() + 50)
    assert (a["effective_cost"], a["expected"], a["delta"]) == (expected + SPIKE, expected, SPIKE)


def test_the_spike_is_the_only_anomaly(found) -> None:  # type: ignore[no-untyped-def]
    assert found["day"].to_list() == [SPIKE_DAY]


def test_first_day_fees_and_monthly_usage_are_not_flagged(con: duckdb.DuckDBPyConnection) -> None:
    for period in ("2026-09", "2026-10"):
        frame = anomalies.usage_anomalies(con, Filters(period))
        assert all(d.day != 1 for d in frame["day"].to_list()), frame


def test_purchases_are_ignored(found) -> None:  # type: ignore[no-untyped-def]
    assert date(2026, 10, 12) not in found["day"].to_list()


def test_a_rise_of_cents_does_not_alert(con: duckdb.DuckDBPyConnection) -> None:
    frame = anomalies.usage_anomalies(con, Filters("2026-10", services=["Amazon SQS"]))
    assert frame.is_empty()
    low = anomalies.usage_anomalies(
        con, Filters("2026-10", services=["Amazon SQS"]), min_impact=Decimal(1)
    )
    assert low["day"].to_list() == [date(2026, 10, 20)]


def test_correction_dated_in_an_earlier_month_is_kept_apart(
    con: duckdb.DuckDBPyConnection,
) -> None:
    f = Filters("2026-10")
    daily = cost.daily_cost(con, f)
    assert daily["day"].min() == date(2026, 10, 1) and daily["day"].max() == date(2026, 10, 31)
    outside = anomalies.outside_period(con, f)
    assert outside["day"].to_list() == [date(2026, 9, 20)]
    assert outside["effective_cost"].to_list() == [Decimal(-300)]
    (total,) = con.execute(
        "select sum(EffectiveCost) from focus.cost_and_usage where x_billing_period = '2026-10'"
    ).fetchone() or (None,)
    shown = sum(daily["effective_cost"].to_list(), Decimal(0))
    assert shown + outside["effective_cost"].sum() == total


def test_daily_usage_series_marks_the_anomalous_day(con: duckdb.DuckDBPyConnection, found) -> None:  # type: ignore[no-untyped-def]
    series = anomalies.usage_daily(con, Filters("2026-10"), found)
    assert series.filter(series["anomaly"])["day"].to_list() == [SPIKE_DAY]


def test_dimension_values_get_their_own_anomalies(tmp_path_factory: pytest.TempPathFactory) -> None:
    path = cost_rows.write(
        tmp_path_factory.mktemp("anomalies_dim") / "w.duckdb", anomaly_rows(), allocation=True
    )
    with duckdb.connect(str(path), read_only=True) as con:
        frame = anomalies.usage_anomalies(con, Filters("2026-10"))
    by_team = frame.filter(frame["dimension"] == "team")
    assert by_team["dimension_value"].to_list() == ["data"]
    a = by_team.row(0, named=True)
    assert (a["day"], a["delta"], a["top_resource_id"]) == (SPIKE_DAY, SPIKE, "i-b")
    assert a["service_name"] == "Amazon EC2"


def test_metabase_anomalies_card_finds_the_spike_and_no_first_day(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    path = cost_rows.write(tmp_path_factory.mktemp("card") / "w.duckdb", anomaly_rows())
    with duckdb.connect(str(path)) as con:
        con.execute("create view focus_cost_and_usage as select * from focus.cost_and_usage")
        card = (Path(__file__).resolve().parents[2] / "metabase/cards/13_anomalies.sql").read_text()
        text, params = metabase.to_duckdb(card, {})
        rows = con.execute(text, params).fetchall()
    assert [(r[0], r[3], r[7]) for r in rows] == [(SPIKE_DAY, "Amazon EC2", SPIKE)]
