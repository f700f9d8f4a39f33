"""The generated Azure demo exports, end to end: import every dataset into a fresh warehouse with
the Azure source, build FOCUS, and check the result against the generator's expected totals.

Expected figures come from ``expected_totals.json`` (computed from the generator's Decimals, never
from the importer); the older run of the EA actual export must lose to the newer one.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops_lib import checks, db
from finops_lib.config import load_settings
from finops_lib.demo import generate_azure
from finops_lib.demo.azure import DEFAULT_MONTHS, GeneratedAzure
from finops_lib.pipeline import import_provider
from finops_lib.reconcile import reconcile

ROWS = 1_500
# the demo's last three months: every kind of charge (the purchase of the first month, the refund
# of the second, the restated last month) at a fraction of the 13 months' import time
MONTHS = DEFAULT_MONTHS[-3:]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[GeneratedAzure, Path, list]:
    """Generate once, import each dataset once, then a second time (which must load nothing)."""
    tmp = tmp_path_factory.mktemp("azure_demo")
    generated = generate_azure(tmp / "container", rows=ROWS, seed=11, months=MONTHS)
    cfg = tmp / "finops.toml"
    cfg.write_text(
        f'[project]\ndatabase = "{tmp / "w.duckdb"}"\npublish_dir = "{tmp / "pub"}"\n'
        f'[azure]\ndownload_dir = "{tmp / "dl"}"\n'
    )
    settings = load_settings(cfg)
    firsts = []
    for ds in generated.datasets.values():
        firsts.append(
            import_provider(
                "azure", settings, container=str(ds.container), export_names=list(ds.exports)
            )
        )
    seconds = [
        import_provider(
            "azure", settings, container=str(ds.container), export_names=list(ds.exports)
        )
        for ds in generated.datasets.values()
    ]
    return generated, tmp / "w.duckdb", [firsts, seconds]


def _con(path: Path) -> duckdb.DuckDBPyConnection:
    return db.connect(path, read_only=True)


def test_every_dataset_period_loads_once(demo: tuple) -> None:
    generated, _, (firsts, _) = demo
    loaded = sorted((x.export, x.period) for r in firsts for x in r.loaded)
    expected = sorted(
        (name, period)
        for name, ds in generated.expected["datasets"].items()
        for period in ds["periods"]
    )
    assert loaded == expected


def test_second_import_loads_nothing(demo: tuple) -> None:
    _, _, (_, seconds) = demo
    assert [x for r in seconds for x in r.loaded] == []
    generated = demo[0]
    periods = sum(len(ds["periods"]) for ds in generated.expected["datasets"].values())
    assert periods == 3 * len(MONTHS)
    assert sum(len(r.skipped) for r in seconds) == periods


def test_latest_run_wins(demo: tuple) -> None:
    generated, path, _ = demo
    con = _con(path)
    try:
        got = dict(
            con.execute(
                "select x_billing_period, string_agg(distinct x_delivery_id, '+' order by x_delivery_id)"
                " from raw_azure.cost where x_export_name = 'demo-ea' and x_cost_type = 'ActualCost'"
                " group by all"
            ).fetchall()
        )
    finally:
        con.close()
    runs = generated.expected["datasets"]["demo-ea"]["periods"]
    assert got == {p: t["runs"]["demo-ea"] for p, t in runs.items()}


def test_focus_totals_equal_expected_totals(demo: tuple) -> None:
    generated, path, _ = demo
    con = _con(path)
    try:
        rows = con.execute(
            "select x_export_name, x_billing_period, BillingAccountId, BillingCurrency,"
            " sum(BilledCost), sum(EffectiveCost) from focus.cost_and_usage"
            " where x_provider = 'Azure' group by all"
        ).fetchall()
    finally:
        con.close()
    got = {(e, p): (a, c, round(b, 2), round(f, 2)) for e, p, a, c, b, f in rows}
    want = {
        (name, period): (
            t["billing_account_id"],
            t["currency"],
            round(Decimal(t["billed_cost"]), 2),
            round(Decimal(t["effective_cost"]), 2),
        )
        for name, ds in generated.expected["datasets"].items()
        for period, t in ds["periods"].items()
    }
    assert got == want


def test_reconciliation_ok_for_every_azure_row(demo: tuple) -> None:
    generated, path, _ = demo
    con = _con(path)
    try:
        recon = reconcile(con)
    finally:
        con.close()
    azure = recon.filter(recon["provider"] == "Azure")
    assert azure.height == sum(len(ds["periods"]) for ds in generated.expected["datasets"].values())
    assert azure.filter(~azure["ok"]).to_dicts() == []


def test_no_conformance_error_on_azure_rows(demo: tuple) -> None:
    _, path, _ = demo
    con = _con(path)
    try:
        failed = checks.failed(checks.run_checks(con), "error")
    finally:
        con.close()
    assert [(r.rule.name, r.failing, r.sample[:1]) for r in failed] == []
