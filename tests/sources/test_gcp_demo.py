"""The generated GCP demo extract, end to end: import it into a fresh warehouse with the GCP source
(through ``import_all``, as ``finops demo`` does), build FOCUS, and check the result against the
generator's expected totals (computed from the generator's integers, never from the importer)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops_lib import checks, db
from finops_lib.config import load_settings
from finops_lib.demo import generate_gcp
from finops_lib.demo.gcp import GeneratedGcp
from finops_lib.pipeline import ImportResult, import_all
from finops_lib.reconcile import reconcile

ROWS = 900


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[GeneratedGcp, Path, ImportResult, ImportResult]:
    """Generate once, import once, then a second time (which must load nothing)."""
    tmp = tmp_path_factory.mktemp("gcp_demo")
    generated = generate_gcp(tmp / "gcp", rows=ROWS, seed=11)
    cfg = tmp / "finops.toml"
    cfg.write_text(
        f'[project]\ndatabase = "{tmp / "w.duckdb"}"\npublish_dir = "{tmp / "pub"}"\n'
        f'[gcp.exports.demo-gcp]\nextract = "{generated.extract}"\n'
    )
    settings = load_settings(cfg, env={})
    first = import_all(settings, providers=["gcp"])
    second = import_all(settings, providers=["gcp"])
    return generated, tmp / "w.duckdb", first, second


def _con(path: Path) -> duckdb.DuckDBPyConnection:
    return db.connect(path, read_only=True)


def test_every_invoice_month_loads_once(demo: tuple) -> None:
    generated, _, first, _ = demo
    got = sorted((x.export, x.period, x.rows) for x in first.loaded)
    want = sorted(("demo-gcp", p, t["rows"]) for p, t in generated.expected["periods"].items())
    assert got == want


def test_second_import_loads_nothing(demo: tuple) -> None:
    generated, _, _, second = demo
    assert second.loaded == []
    assert len(second.skipped) == len(generated.expected["periods"])


def test_focus_effective_cost_per_period_equals_expected_totals(demo: tuple) -> None:
    generated, path, _, _ = demo
    con = _con(path)
    try:
        rows = con.execute(
            "select x_billing_period, BillingAccountId, BillingCurrency,"
            " count(*) filter (where x_row_kind = 'source'),"
            " sum(BilledCost), sum(EffectiveCost) from focus.cost_and_usage"
            " where x_provider = 'GCP' group by all"
        ).fetchall()
    finally:
        con.close()
    got = {p: (a, c, n, round(b, 2), round(e, 2)) for p, a, c, n, b, e in rows}
    want = {
        p: (
            t["billing_account_id"],
            t["currency"],
            t["rows"],
            round(Decimal(t["billed_cost"]), 2),
            round(Decimal(t["effective_cost"]), 2),
        )
        for p, t in generated.expected["periods"].items()
    }
    assert got == want


def test_every_gcp_period_reconciles(demo: tuple) -> None:
    generated, path, _, _ = demo
    con = _con(path)
    try:
        recon = reconcile(con)
    finally:
        con.close()
    gcp = recon.filter(recon["provider"] == "GCP")
    assert sorted(gcp["billing_period"].to_list()) == sorted(generated.expected["periods"])
    assert gcp["ok"].all(), gcp


def test_no_conformance_error(demo: tuple) -> None:
    _, path, _, _ = demo
    con = _con(path)
    try:
        results = checks.run_checks(con)
    finally:
        con.close()
    assert checks.failed(results) == []


def test_the_export_quirks_map_as_expected(demo: tuple) -> None:
    generated, path, _, _ = demo
    months = generated.expected["months"]
    con = _con(path)
    try:
        kinds = dict(
            con.execute(
                "select coalesce(ChargeClass, ChargeCategory), count(*) from focus.cost_and_usage"
                " where x_provider = 'GCP' group by 1"
            ).fetchall()
        )
        cud = con.execute(
            "select count(*) from focus.cost_and_usage where x_provider = 'GCP'"
            " and PricingCategory = 'Committed' and CommitmentDiscountStatus = 'Used'"
        ).fetchone()[0]
        spot = con.execute(
            "select count(distinct x_billing_period) from focus.cost_and_usage"
            " where x_provider = 'GCP' and PricingCategory = 'Dynamic'"
        ).fetchone()[0]
        boundary = con.execute(
            "select count(*) from focus.cost_and_usage where x_billing_period = $p"
            " and ChargePeriodStart = timestamptz '2025-11-01 03:00:00+00'"
            " and ChargePeriodStart < BillingPeriodEnd",
            {"p": months[0]},
        ).fetchone()[0]
    finally:
        con.close()
    assert kinds["Correction"] == 1 and kinds["Tax"] == len(months)
    # one CUD fee a month, a Purchase
    assert kinds["Purchase"] == len(months)
    assert cud > 0 and boundary >= 1 and spot == len(months)


def test_cud_fees_are_amortised_per_month(demo: tuple) -> None:
    """Per month: the fee's EffectiveCost is 0; the shares on covered usage plus the unused row
    add up to the fee exactly (the fee figure from the generator's integers)."""
    generated, path, _, _ = demo
    con = _con(path)
    try:
        rows = con.execute(
            """
            select x_billing_period,
                sum(BilledCost) filter (where ChargeCategory = 'Purchase'),
                sum(EffectiveCost) filter (where ChargeCategory = 'Purchase'),
                sum(EffectiveCost) filter (where CommitmentDiscountStatus in ('Used', 'Unused')),
                count(*) filter (where CommitmentDiscountStatus = 'Unused')
            from focus.cost_and_usage where x_provider = 'GCP' group by 1
            """
        ).fetchall()
    finally:
        con.close()
    fee = Decimal(2 * 730) / 64  # the generator's 2 committed cores at 1/64 an hour
    assert {p: (b, e, used) for p, b, e, used, _ in rows} == {
        p: (fee, 0, fee) for p in generated.expected["periods"]
    }
    assert all(unused <= 1 for *_, unused in rows)
