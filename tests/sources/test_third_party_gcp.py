"""Third-party GCP billing rows (koku-nise JSONL, tests/fixtures/nise_gcp/SOURCES.md) through the
``[gcp] extract`` path: import, build FOCUS, run the row-level checks and reconciliation, and compare
every invoice month's BilledCost with cost + credits computed here from the raw files with Python
``Decimal`` (never with the importer)."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops_lib import checks, db
from finops_lib.config import load_settings
from finops_lib.pipeline import ImportResult, import_all
from finops_lib.reconcile import reconcile

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nise_gcp"
EXPORTS = ("random", "static")


def expected_totals() -> dict[tuple[str, str], tuple[int, Decimal]]:
    """(export, 'YYYY-MM') -> (rows, Σ cost + Σ credits.amount), from the JSON text itself."""
    out: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for export in EXPORTS:
        for path in sorted((FIXTURES / export).glob("*.json.gz")):
            with gzip.open(path, "rt") as f:
                for line in f:
                    row = json.loads(line, parse_float=Decimal, parse_int=Decimal)
                    credits = row.get("credits") or []
                    if isinstance(credits, dict):  # nise writes one object, not a list
                        credits = [credits]
                    month = row["invoice"]["month"]
                    key = (export, f"{month[:4]}-{month[4:]}")
                    n, total = out.get(key, (0, Decimal(0)))
                    out[key] = (
                        n + 1,
                        total + row["cost"] + sum((c["amount"] for c in credits), Decimal(0)),
                    )
    return out


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportResult]:
    tmp = tmp_path_factory.mktemp("nise_gcp")
    cfg = tmp / "finops.toml"
    cfg.write_text(
        f'[project]\ndatabase = "{tmp / "w.duckdb"}"\npublish_dir = "{tmp / "pub"}"\n'
        + "".join(f'[gcp.exports.nise-{e}]\nextract = "{FIXTURES / e}"\n' for e in EXPORTS)
    )
    result = import_all(load_settings(cfg, env={}), providers=["gcp"])
    return tmp / "w.duckdb", result


def _con(path: Path) -> duckdb.DuckDBPyConnection:
    return db.connect(path, read_only=True)


def test_every_invoice_month_loads_every_row(warehouse: tuple[Path, ImportResult]) -> None:
    _, result = warehouse
    got = {(x.export.removeprefix("nise-"), x.period): x.rows for x in result.loaded}
    assert got == {k: n for k, (n, _) in expected_totals().items()}


def test_billed_cost_is_cost_plus_credits_to_the_cent(warehouse: tuple[Path, ImportResult]) -> None:
    path, _ = warehouse
    con = _con(path)
    try:
        rows = con.execute(
            "select x_export_name, x_billing_period, sum(BilledCost), sum(EffectiveCost)"
            " from focus.cost_and_usage where x_provider = 'GCP' group by all"
        ).fetchall()
    finally:
        con.close()
    cent = Decimal("0.01")
    got = {
        (e.removeprefix("nise-"), p): (b.quantize(cent), f.quantize(cent)) for e, p, b, f in rows
    }
    want = {k: (t.quantize(cent), t.quantize(cent)) for k, (_, t) in expected_totals().items()}
    assert got == want
    # the promotion credits (one object per row in nise's JSONL) are in: static/ is not its cost
    assert any(t != int(t) for (e, _), (_, t) in expected_totals().items() if e == "static")


def test_every_month_reconciles(warehouse: tuple[Path, ImportResult]) -> None:
    path, _ = warehouse
    con = _con(path)
    try:
        recon = reconcile(con)
    finally:
        con.close()
    assert sorted(zip(recon["export_name"], recon["billing_period"], strict=True)) == sorted(
        (f"nise-{e}", p) for e, p in expected_totals()
    )
    assert recon["ok"].all(), recon


def test_no_conformance_error(warehouse: tuple[Path, ImportResult]) -> None:
    path, _ = warehouse
    con = _con(path)
    try:
        results = checks.run_checks(con)
    finally:
        con.close()
    errors = checks.failed(results)
    assert errors == [], [(r.rule.rule_id, r.failing) for r in errors]


def test_placeholder_credits_are_not_credits(warehouse: tuple[Path, ImportResult]) -> None:
    path, _ = warehouse
    con = _con(path)
    try:
        kinds = con.execute(
            "select distinct unnest(json_keys(json_extract(x_extras, '$.credits_by_type')))"
            " from focus.cost_and_usage where json_extract(x_extras, '$.credits_by_type') is not null"
        ).fetchall()
    finally:
        con.close()
    assert kinds == [("PROMOTION",)]


def test_raw_credits_are_always_a_list(warehouse: tuple[Path, ImportResult]) -> None:
    """nise writes one credit as an object; the raw contract holds a JSON array either way."""
    path, _ = warehouse
    con = _con(path)
    try:
        kinds = dict(
            con.execute(
                "select json_type(credits), count(*) from raw_gcp.billing"
                " where credits is not null group by all"
            ).fetchall()
        )
    finally:
        con.close()
    assert set(kinds) == {"ARRAY"}, kinds
