"""Spot and preemptible usage (PricingCategory Dynamic) for the rate-optimisation notebook: a few
hand-written FOCUS rows of three providers in, marts.daily_cost built by its real query, and the
spot analyses checked against sums taken straight from the rows written."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from focus_fixture import focus_columns

from finops_lib import analysis as fa
from finops_lib import sql

PERIOD = "2026-10"


def _row(provider: str, account: str, service: str, category: str, pricing: str | None,
         effective: str, list_cost: str, charge: str = "Usage", currency: str = "USD") -> dict:  # fmt: skip
    return {
        "ProviderName": provider,
        "BillingAccountId": f"billing-{provider}",
        "SubAccountId": account,
        "SubAccountName": f"{account} name",
        "ServiceName": service,
        "ServiceCategory": category,
        "ChargeCategory": charge,
        "PricingCategory": pricing,
        "BillingCurrency": currency,
        "EffectiveCost": Decimal(effective),
        "BilledCost": Decimal(effective),
        "ContractedCost": Decimal(effective),
        "ListCost": Decimal(list_cost),
    }


ROWS = [
    _row("AWS", "111", "Amazon Elastic Compute Cloud", "Compute", "Dynamic", "30.10", "100.00"),
    _row("AWS", "111", "Amazon Elastic Compute Cloud", "Compute", "Standard", "70.00", "70.00"),
    _row("AWS", "111", "Amazon Simple Storage Service", "Storage", "Standard", "50.00", "50.00"),
    _row("AWS", "222", "Amazon Elastic Compute Cloud", "Compute", "Standard", "100.00", "100.00"),
    _row("AWS", "222", "Amazon Elastic Compute Cloud", "Compute", "Dynamic", "5.25", "15.00"),
    # a purchase is not usage: neither compute usage nor spot
    _row("AWS", "111", "Amazon Elastic Compute Cloud", "Compute", "Standard", "500", "500", "Purchase"),
    _row("Microsoft", "/subscriptions/s1", "Virtual Machines", "Compute", "Dynamic", "19.20", "96.00"),
    _row("Microsoft", "/subscriptions/s1", "Virtual Machines", "Compute", "Committed", "80.00", "120.00"),
    _row("Microsoft", "/subscriptions/s2", "Virtual Machines", "Compute", "Dynamic", "8.00", "40.00", currency="EUR"),
    _row("Google Cloud", "acme-prod", "Compute Engine", "Compute", "Dynamic", "10.00", "40.00"),
    _row("Google Cloud", "acme-prod", "Compute Engine", "Compute", "Standard", "40.00", "40.00"),
    _row("Google Cloud", "acme-data", "BigQuery", "Analytics", "Standard", "12.00", "12.00"),
]  # fmt: skip


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = Path(tmp_path_factory.mktemp("spot")) / "w.duckdb"
    connection = duckdb.connect(str(path))
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute("create schema focus")
    columns = [*focus_columns(), ("x_provider", "VARCHAR"), ("x_billing_period", "VARCHAR")]
    connection.execute(
        "create table focus.cost_and_usage ("
        + ", ".join(f'"{name}" {typ}' for name, typ in columns)
        + ")"
    )
    for i, row in enumerate(ROWS):
        values = {
            **row,
            "x_provider": row["ProviderName"],
            "x_billing_period": PERIOD,
            "ChargePeriodStart": f"{PERIOD}-{1 + i % 28:02d} 00:00:00+00",
            "ChargePeriodEnd": f"{PERIOD}-{2 + i % 28:02d} 00:00:00+00",
        }
        names = list(values)
        connection.execute(
            f"insert into focus.cost_and_usage ({', '.join(chr(34) + n + chr(34) for n in names)})"  # noqa: S608 - test's own names
            f" values ({', '.join('$' + n for n in names)})",
            values,
        )
    connection.execute(sql.load("marts/10_daily_cost"))
    yield connection
    connection.close()


def _sum(rows: list[dict], key: str) -> Decimal:
    return sum((r[key] for r in rows), Decimal(0))


def _usage(provider: str, currency: str = "USD") -> list[dict]:
    return [
        r
        for r in ROWS
        if r["ProviderName"] == provider
        and r["BillingCurrency"] == currency
        and r["ChargeCategory"] == "Usage"
    ]


def test_spot_summary_gives_share_of_compute_and_savings_per_provider(
    con: duckdb.DuckDBPyConnection,
) -> None:
    frame = fa.rates.spot_summary(con, fa.base.Filters(PERIOD))
    got = {(r["provider"], r["currency"]): r for r in frame.iter_rows(named=True)}
    assert set(got) == {
        ("AWS", "USD"), ("Microsoft", "USD"), ("Microsoft", "EUR"), ("Google Cloud", "USD"),
    }  # fmt: skip
    for (provider, currency), row in got.items():
        usage = _usage(provider, currency)
        compute = [r for r in usage if r["ServiceCategory"] == "Compute"]
        spot = [r for r in usage if r["PricingCategory"] == "Dynamic"]
        assert row["compute_cost"] == _sum(compute, "EffectiveCost")
        assert row["spot_compute_cost"] == _sum(spot, "EffectiveCost")
        assert row["spot_share_of_compute"] == pytest.approx(
            float(_sum(spot, "EffectiveCost") / _sum(compute, "EffectiveCost"))
        )
        assert row["savings"] == _sum(spot, "ListCost") - _sum(spot, "EffectiveCost")
        assert row["savings_rate"] == pytest.approx(
            float(1 - _sum(spot, "EffectiveCost") / _sum(spot, "ListCost"))
        )


def test_spot_usage_has_one_row_per_account_and_service_with_spot(
    con: duckdb.DuckDBPyConnection,
) -> None:
    frame = fa.rates.spot_usage(con, fa.base.Filters(PERIOD))
    spot = [r for r in ROWS if r["PricingCategory"] == "Dynamic" and r["ChargeCategory"] == "Usage"]
    assert sorted(
        (r["provider"], r["sub_account_id"], r["service_name"]) for r in frame.iter_rows(named=True)
    ) == sorted((r["ProviderName"], r["SubAccountId"], r["ServiceName"]) for r in spot)
    aws = frame.filter(frame["sub_account_id"] == "111").row(0, named=True)
    account = [
        r for r in _usage("AWS") if r["SubAccountId"] == "111" and r["ServiceCategory"] == "Compute"
    ]
    assert aws["savings"] == Decimal("100.00") - Decimal("30.10")
    assert aws["compute_cost"] == _sum(account, "EffectiveCost")
    assert aws["share_of_compute"] == pytest.approx(30.10 / float(_sum(account, "EffectiveCost")))


def test_spot_filters_narrow_to_one_provider(con: duckdb.DuckDBPyConnection) -> None:
    f = fa.base.Filters(PERIOD, providers=["Google Cloud"])
    assert set(fa.rates.spot_summary(con, f)["provider"]) == {"Google Cloud"}
    assert set(fa.rates.spot_usage(con, f)["service_name"]) == {"Compute Engine"}
