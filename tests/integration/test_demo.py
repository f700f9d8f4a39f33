"""The demo end to end, as `./finops demo` runs it, then every Metabase card on its snapshot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops_lib import metabase

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("demo")
    env = {
        **os.environ,
        "OPEN_FINOPS_DATABASE": str(work / "finops.duckdb"),
        "OPEN_FINOPS_PROJECT_PUBLISH_DIR": str(work / "published"),
        "OPEN_FINOPS_PROJECT_REPORTS_DIR": str(work / "reports"),
        "OPEN_FINOPS_AWS_DOWNLOAD_DIR": str(work / "downloads"),
        "OPEN_FINOPS_AZURE_DOWNLOAD_DIR": str(work / "downloads"),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "finops_lib.cli",
            "demo",  # the default size: the demo's budgets are set against its totals
            "--no-reports",
            "--output",
            str(work / "bucket"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return work, result


def test_demo_exits_zero_and_prints_a_summary(demo_run):
    _, result = demo_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "reconciliation:" in result.stdout and "0 with a difference" in result.stdout


def test_demo_leaves_a_focus_table_with_every_export_of_the_three_providers(demo_run):
    work, _ = demo_run
    con = duckdb.connect(str(work / "finops.duckdb"), read_only=True)
    rows = con.execute(
        "select x_provider, x_export_name, count(*) from focus.cost_and_usage"
        " group by 1, 2 order by 1, 2"
    ).fetchall()
    assert [(p, e) for p, e, _ in rows] == [
        ("AWS", "demo-cur"),
        ("AWS", "demo-cur2"),
        ("Azure", "demo-ea"),
        ("Azure", "demo-focus"),
        ("Azure", "demo-mca"),
        ("GCP", "demo-gcp"),
    ]
    assert all(n > 1000 for _, _, n in rows), rows


def test_demo_spans_thirteen_months_of_every_provider(demo_run):
    from finops_lib.demo import DEFAULT_MONTHS

    work, _ = demo_run
    con = duckdb.connect(str(work / "finops.duckdb"), read_only=True)
    periods = con.execute(
        "select x_provider, list(distinct x_billing_period order by x_billing_period)"
        " from focus.cost_and_usage group by 1 order by 1"
    ).fetchall()
    assert len(DEFAULT_MONTHS) == 13
    assert len(periods) == 3
    for provider, found in periods:
        assert set(DEFAULT_MONTHS) <= set(found), provider


def test_planted_anomaly_is_found_on_its_days_with_its_resource(demo_run):
    from finops_lib import analysis as fa

    work, _ = demo_run
    expected = json.loads((work / "bucket" / "cur-v1" / "expected_totals.json").read_text())
    planted = expected["planted_anomaly"]
    con = duckdb.connect(str(work / "finops.duckdb"), read_only=True)
    found = fa.anomalies.usage_anomalies(
        con, fa.base.Filters(planted["days"][0][:7]), dimensions=False
    )
    hits = [
        r
        for r in found.iter_rows(named=True)
        if r["dimension"] is None  # the service series (dimension anomalies name a value)
        and (r["provider"], r["sub_account_id"], r["service_name"])
        == (planted["provider"], planted["sub_account"], planted["service"])
    ]
    assert sorted(str(r["day"]) for r in hits) == planted["days"]
    assert {r["top_resource_id"] for r in hits} == {planted["resource_id"]}
    extra = sum(r["top_resource_delta"] for r in hits)
    assert abs(extra - Decimal(planted["extra_cost"])) < Decimal("0.05")


def test_no_other_day_of_the_thirteen_months_is_an_anomaly(demo_run):
    """Every period, service and dimension series: only the planted days; never a month's day 1
    (monthly fees, subscriptions and unused commitments dated day 1 are not usage jumps)."""
    from finops_lib import analysis as fa

    work, _ = demo_run
    expected = json.loads((work / "bucket" / "cur-v1" / "expected_totals.json").read_text())
    con = duckdb.connect(str(work / "finops.duckdb"), read_only=True)
    periods = [
        p
        for (p,) in con.execute(
            "select distinct x_billing_period from focus.cost_and_usage"
        ).fetchall()
    ]
    assert len(periods) >= 13
    days = set()
    for period in periods:
        found = fa.anomalies.usage_anomalies(con, fa.base.Filters(period))
        days |= {str(d) for d in found["day"]}
    assert days == set(expected["planted_anomaly"]["days"])


def _cli(work: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "OPEN_FINOPS_DATABASE": str(work / "finops.duckdb"),
        "OPEN_FINOPS_PROJECT_PUBLISH_DIR": str(work / "published"),
        "OPEN_FINOPS_PROJECT_REPORTS_DIR": str(work / "reports"),
    }
    env.pop("OPEN_FINOPS_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "finops_lib.cli", *args],
        cwd=work,  # no finops.toml there: what the demo recorded is all there is
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_allocation_report_sums_to_each_period_for_every_dimension(demo_run):
    import csv
    import io

    work, _ = demo_run
    con = duckdb.connect(str(work / "finops.duckdb"), read_only=True)
    totals = {
        (p, c): t
        for p, c, t in con.execute(
            "select x_billing_period, BillingCurrency, sum(EffectiveCost)"
            " from focus.cost_and_usage group by all"
        ).fetchall()
    }
    dims = [
        d for (d,) in con.execute("select distinct dimension from marts.cost_allocation").fetchall()
    ]
    con.close()
    assert "team" in dims and len(dims) >= 2
    cent = Decimal("0.01")
    for period in sorted({p for p, _ in totals})[-3:]:
        for dim in dims:
            done = _cli(
                work, "allocation", "report", "--period", period, "--by", dim, "--format", "csv"
            )
            assert done.returncode == 0, done.stderr
            rows = list(csv.DictReader(io.StringIO(done.stdout)))
            got: dict[str, Decimal] = {}
            for r in rows:
                cur = r["billing_currency"]
                got[cur] = got.get(cur, Decimal(0)) + Decimal(r["effective_cost"])
            want = {c: t for (p, c), t in totals.items() if p == period}
            assert {c: v.quantize(cent) for c, v in got.items()} == {
                c: v.quantize(cent) for c, v in want.items()
            }, (period, dim)


def test_alerts_check_works_on_the_demo_warehouse_with_no_config(demo_run):
    work, _ = demo_run
    done = _cli(work, "alerts", "check", "--dry-run")
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    # the demo's quarterly budget is forecast to burst, and the planted anomaly is found
    assert "Budget cloud-quarterly" in out and "forecast 100% reached" in out, out
    assert "i-0a5e7d1c9b3f2e4a6" in out
    assert "nothing sent or recorded" in out


def test_demo_records_its_budgets_and_allocation_rules(demo_run):
    from finops_lib import budgets
    from finops_lib.demo import demo_config

    work, _ = demo_run
    con = duckdb.connect(str(work / "finops.duckdb"), read_only=True)
    config = demo_config()
    assert budgets.recorded_tree(con, "budgets") == config["budgets"]
    assert budgets.recorded_tree(con, "allocation") == config["allocation"]


def test_every_metabase_card_runs_on_the_published_parquet(demo_run):
    work, result = demo_run
    assert result.returncode == 0
    parquet_dir = work / "published" / "parquet"
    tables = sorted(p.name for p in parquet_dir.iterdir() if p.is_dir())
    assert "focus__cost_and_usage" in tables
    con = duckdb.connect()
    con.execute(
        metabase.init_sql(str(parquet_dir), tables).replace(
            "SET temp_directory = '/tmp/duckdb';", ""
        )
    )
    for card in metabase.cards():
        for values in ({}, {v: _sample_value(con, v) for v in card.variables}):
            text, params = metabase.to_duckdb(card.sql, values)
            rows = con.execute(text, params).fetchall()
            assert rows, f"{card.file} returned no rows with {values}"


def _sample_value(con, variable: str) -> str:
    if variable == "provider":
        # the provider with the most cost: the one every card (anomalies too) has rows for
        return con.execute(
            "select ProviderName from focus_cost_and_usage group by 1"
            " order by sum(EffectiveCost) desc limit 1"
        ).fetchone()[0]
    if variable == "period":
        return con.execute(
            "select strftime(min(BillingPeriodStart), '%Y-%m') from focus_cost_and_usage"
        ).fetchone()[0]
    if variable in ("tag_key", "dimension"):
        return "team"
    raise AssertionError(f"no sample value for {variable}")


@pytest.mark.skipif(
    __import__("finops_lib.official_validator", fromlist=["x"]).find_python312() is None,
    reason="the official validator needs a local Python 3.12 and none was found",
)
def test_demo_focus_export_passes_the_official_validator(demo_run, tmp_path):
    from finops_lib import official_validator
    from finops_lib.export import export

    work, result = demo_run
    assert result.returncode == 0
    con = duckdb.connect(str(work / "finops.duckdb"), read_only=True)
    # the newest month holds every provider and usage, fees, credits, tax and the amortised
    # commitments; the validator takes minutes on all thirteen months under CI's load
    (period,) = con.execute("select max(x_billing_period) from focus.cost_and_usage").fetchone()
    path = tmp_path / "focus-1.2.parquet"
    export(con, path, focus_version="1.2", fmt="parquet", period=period)
    providers, categories = duckdb.sql(
        "select count(distinct ProviderName), list(distinct ChargeCategory) from read_parquet($p)",
        params={"p": str(path)},
    ).fetchone()
    assert providers == 3
    assert {"Usage", "Purchase", "Tax", "Credit"} <= set(categories), categories
    outcome = official_validator.run(path)
    assert outcome.total > 500
    assert outcome.real_failures == [], outcome.real_failures


def test_demo_config_fills_only_the_sections_the_user_config_lacks(tmp_path):
    from finops_lib.cli.demo_run import with_demo_config
    from finops_lib.config import load_settings
    from finops_lib.demo import demo_config

    cfg = tmp_path / "finops.toml"
    cfg.write_text('[budgets.mine]\namount = 10\nperiod = "monthly"\n')
    settings, taken = with_demo_config(load_settings(cfg, env={}))
    assert taken == ["allocation"]
    assert settings.tree("budgets") == {"mine": {"amount": 10, "period": "monthly"}}
    assert settings.tree("allocation") == demo_config()["allocation"]
    assert demo_config()["budgets"] and demo_config()["allocation"]["dimensions"]["team"]
