"""GCP Cloud Billing export from a local extract (nested JSONL and Parquet written here): the raw
contract, exact amounts, exactly-once loads per invoice month, and bad input as one line."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from finops_lib import db
from finops_lib.cli import main
from finops_lib.config import load_settings
from finops_lib.errors import ConfigError, InputError
from finops_lib.pipeline import import_provider
from finops_lib.sources import providers
from finops_lib.sources.gcp_billing.settings import COLUMNS


def row(n: int, month: str, export_time: str, cost: float, **extra) -> dict:
    base = {
        "billing_account_id": "0123AB-CDEF45-678901",
        "service": {"id": "6F81-5844-456A", "description": "Compute Engine"},
        "sku": {"id": f"SKU-{n}", "description": "N1 Predefined Instance Core"},
        "usage_start_time": f"{month[:4]}-{month[4:]}-02 07:00:00 UTC",
        "usage_end_time": f"{month[:4]}-{month[4:]}-02 08:00:00 UTC",
        "project": {
            "id": "proj-a",
            "number": "111",
            "name": "Project A",
            "labels": [{"key": "team", "value": "core"}],
            "ancestry_numbers": "/123/111/",
        },
        "labels": [{"key": "env", "value": "prod"}, {"key": "app", "value": "web"}],
        "system_labels": [{"key": "compute.googleapis.com/machine_spec", "value": "n1-standard-1"}],
        "location": {
            "location": "us-central1",
            "country": "US",
            "region": "us-central1",
            "zone": "us-central1-a",
        },
        "export_time": export_time,
        "cost": cost,
        "currency": "USD",
        "currency_conversion_rate": 1.0,
        "usage": {
            "amount": 3600.0,
            "unit": "seconds",
            "amount_in_pricing_units": 1.0,
            "pricing_unit": "hour",
        },
        "credits": [],
        "invoice": {"month": month, "publisher_type": "GOOGLE"},
        "cost_type": "regular",
        "adjustment_info": None,
        "cost_at_list": cost,
        "price": {
            "effective_price": 0.0475,
            "tier_start_amount": 0.0,
            "unit": "hour",
            "pricing_unit_quantity": 1.0,
        },
        "transaction_type": "GOOGLE",
        "seller_name": "Google",
    }
    return base | extra


CREDITS = [
    {
        "name": "Committed use discount",
        "amount": -0.0123456789,
        "full_name": "CUD 1y",
        "id": "cud-1",
        "type": "COMMITTED_USAGE_DISCOUNT",
    },
    {
        "name": "Sustained use discount",
        "amount": -0.1,
        "full_name": None,
        "id": "sud",
        "type": "SUSTAINED_USAGE_DISCOUNT",
    },
    {"name": "Free tier", "amount": -0.3, "full_name": None, "id": "ft", "type": "FREE_TIER"},
]


def rows() -> list[dict]:
    return [
        row(1, "202309", "2023-09-03 01:00:00 UTC", 1.23456789, credits=CREDITS),
        row(
            2,
            "202309",
            "2023-09-03 01:00:00 UTC",
            0.1,
            project={
                "id": "proj-b",
                "number": "222",
                "name": "B",
                "labels": [],
                "ancestry_numbers": "/123/222/",
            },
        ),
        row(
            3,
            "202309",
            "2023-10-01 10:00:00 UTC",
            0.07,
            cost_type="tax",
            usage={
                "amount": 0.0,
                "unit": None,
                "amount_in_pricing_units": 0.0,
                "pricing_unit": None,
            },
        ),
        row(
            4,
            "202309",
            "2023-10-02 10:00:00 UTC",
            -2.5,
            cost_type="adjustment",
            adjustment_info={
                "id": "adj-1",
                "description": "Billing correction",
                "mode": "MANUAL_ADJUSTMENTS",
                "type": "GENERAL_ADJUSTMENT",
            },
        ),
        row(5, "202310", "2023-10-03 01:00:00 UTC", 10.5),
        # a late correction of September, exported later
        row(
            6,
            "202309",
            "2023-10-05 12:00:00.123456 UTC",
            -0.05,
            credits=[
                {
                    "name": "Promo",
                    "amount": -0.01,
                    "full_name": "P",
                    "id": "p1",
                    "type": "PROMOTION",
                }
            ],
        ),
    ]


def write_jsonl(path: Path, data: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in data))
    return path


KV = pa.list_(pa.struct([("key", pa.string()), ("value", pa.string())]))
SCHEMA = pa.schema(
    [
        ("billing_account_id", pa.string()),
        ("service", pa.struct([("id", pa.string()), ("description", pa.string())])),
        ("sku", pa.struct([("id", pa.string()), ("description", pa.string())])),
        ("usage_start_time", pa.timestamp("us", tz="UTC")),
        ("usage_end_time", pa.timestamp("us", tz="UTC")),
        (
            "project",
            pa.struct(
                [
                    ("id", pa.string()),
                    ("number", pa.string()),
                    ("name", pa.string()),
                    ("labels", KV),
                    ("ancestry_numbers", pa.string()),
                ]
            ),
        ),
        ("labels", KV),
        ("system_labels", KV),
        (
            "location",
            pa.struct([(k, pa.string()) for k in ("location", "country", "region", "zone")]),
        ),
        ("resource", pa.struct([("name", pa.string()), ("global_name", pa.string())])),
        ("export_time", pa.timestamp("us", tz="UTC")),
        ("cost", pa.float64()),
        ("currency", pa.string()),
        ("currency_conversion_rate", pa.float64()),
        (
            "usage",
            pa.struct(
                [
                    ("amount", pa.float64()),
                    ("unit", pa.string()),
                    ("amount_in_pricing_units", pa.float64()),
                    ("pricing_unit", pa.string()),
                ]
            ),
        ),
        (
            "credits",
            pa.list_(
                pa.struct(
                    [
                        ("name", pa.string()),
                        ("amount", pa.float64()),
                        ("full_name", pa.string()),
                        ("id", pa.string()),
                        ("type", pa.string()),
                    ]
                )
            ),
        ),
        ("invoice", pa.struct([("month", pa.string()), ("publisher_type", pa.string())])),
        ("cost_type", pa.string()),
        (
            "adjustment_info",
            pa.struct([(k, pa.string()) for k in ("id", "description", "mode", "type")]),
        ),
    ]
)


def write_parquet(path: Path, data: list[dict]) -> Path:
    from datetime import datetime

    def ts(text: str) -> datetime:
        return datetime.fromisoformat(text.replace(" UTC", "+00:00"))

    fixed = []
    for r in data:
        r = {k: r.get(k) for k in SCHEMA.names}
        for k in ("usage_start_time", "usage_end_time", "export_time"):
            r[k] = ts(r[k])
        r["resource"] = {
            "name": "vm-1",
            "global_name": "//compute.googleapis.com/projects/p/instances/1",
        }
        fixed.append(r)
    pq.write_table(pa.Table.from_pylist(fixed, schema=SCHEMA), path)
    return path


def config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "finops.toml"
    path.write_text(
        f'[project]\ndatabase = "{tmp_path / "w.duckdb"}"\npublish_dir = "{tmp_path / "pub"}"\n'
        + body
    )
    return path


def settings(tmp_path: Path, extract: Path):
    return load_settings(
        config(tmp_path, f'[gcp.exports.billing]\nextract = "{extract}"\n'), env={}
    )


def raw(tmp_path: Path, sql: str) -> list[tuple]:
    con = db.connect(tmp_path / "w.duckdb")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_provider_is_found() -> None:
    p = providers()["gcp"]
    assert (p.label, p.query_prefix) == ("GCP", "gcp")


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_extract_loads_contract_exactly_once(tmp_path: Path, fmt: str) -> None:
    data = rows()
    src = (
        write_jsonl(tmp_path / "x.jsonl", data)
        if fmt == "jsonl"
        else write_parquet(tmp_path / "x.parquet", data)
    )
    s = settings(tmp_path, src)
    result = import_provider("gcp", s)
    assert sorted((x.period, x.rows) for x in result.loaded) == [("2023-09", 5), ("2023-10", 1)]
    cols = raw(
        tmp_path,
        "select column_name, data_type from information_schema.columns"
        " where table_schema='raw_gcp' and table_name='billing' order by ordinal_position",
    )
    assert [c for c, _ in cols] == list(COLUMNS)
    assert (
        dict(cols)["cost"] == "DECIMAL(38,10)"
        and dict(cols)["export_time"] == "TIMESTAMP WITH TIME ZONE"
    )
    got = raw(
        tmp_path,
        "select x_billing_period, sum(cost), count(*) from raw_gcp.billing group by 1 order by 1",
    )
    assert got == [("2023-09", Decimal("-1.14543211"), 5), ("2023-10", Decimal("10.5"), 1)]
    (r1,) = raw(
        tmp_path,
        "select credits, labels, project_labels, system_labels, x_source_row, x_provider,"
        " x_export_kind, invoice_month, location_region, usage_amount_in_pricing_units"
        " from raw_gcp.billing where sku_id='SKU-1'",
    )
    credits = json.loads(r1[0])
    assert [(c["type"], c["amount"]) for c in credits] == [
        ("COMMITTED_USAGE_DISCOUNT", "-0.0123456789"),
        ("SUSTAINED_USAGE_DISCOUNT", "-0.1000000000"),
        ("FREE_TIER", "-0.3000000000"),
    ]
    assert credits[0]["full_name"] == "CUD 1y" and credits[0]["id"] == "cud-1"
    assert r1[1] == '{"env":"prod","app":"web"}' and r1[2] == '{"team":"core"}'
    assert json.loads(r1[3]) == {"compute.googleapis.com/machine_spec": "n1-standard-1"}
    assert r1[4:] == (
        1,
        "GCP",
        "detailed" if fmt == "parquet" else "standard",
        "202309",
        "us-central1",
        Decimal("1"),
    )
    # no project labels -> NULL; tax and adjustment rows kept with their fields
    assert raw(tmp_path, "select project_labels from raw_gcp.billing where sku_id='SKU-2'") == [
        (None,)
    ]
    assert raw(
        tmp_path,
        "select cost_type, adjustment_info_id, adjustment_info_mode from raw_gcp.billing"
        " where cost_type <> 'regular' order by 1",
    ) == [("adjustment", "adj-1", "MANUAL_ADJUSTMENTS"), ("tax", None, None)]
    (did,) = raw(
        tmp_path,
        "select distinct x_delivery_id from raw_gcp.billing where x_billing_period='2023-09'",
    )
    assert did == ("2023-10-05T12:00:00.123456Z/5",)
    # a re-run loads nothing
    again = import_provider("gcp", s)
    assert again.loaded == [] and len(again.skipped) == 2
    # a later export of October (a new row) reloads October only
    data.append(row(7, "202310", "2023-11-02 03:00:00 UTC", 0.25))
    if fmt == "jsonl":
        write_jsonl(src, data)
    else:
        write_parquet(src, data)
    third = import_provider("gcp", s)
    assert [(x.period, x.rows) for x in third.loaded] == [("2023-10", 2)]
    assert raw(
        tmp_path, "select count(*), sum(cost) from raw_gcp.billing where x_billing_period='2023-10'"
    ) == [(2, Decimal("10.75"))]


def test_folder_extract_and_cli(tmp_path: Path) -> None:
    folder = tmp_path / "extract"
    folder.mkdir()
    data = rows()
    write_jsonl(folder / "part-000.jsonl", data[:3])
    write_jsonl(folder / "part-001.jsonl", data[3:])
    cfg = config(tmp_path, f'[gcp]\nextract = "{folder}"\n')
    assert main(["--config", str(cfg), "gcp", "import"]) == 0
    assert raw(
        tmp_path,
        "select x_export_name, count(*), count(distinct x_source_file) from raw_gcp.billing group by 1",
    ) == [("extract", 6, 2)]
    assert main(["--config", str(cfg), "gcp", "import", "--period", "2023-09", "--force"]) == 0
    assert main(["--config", str(cfg), "gcp", "show-state"]) == 0


def one_line_error(capsys, argv: list[str], code: int) -> str:
    assert main(argv) == code
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_truncated_jsonl_is_one_line(tmp_path: Path, capsys) -> None:
    src = write_jsonl(tmp_path / "x.jsonl", rows())
    src.write_text(src.read_text()[:-40])
    cfg = config(tmp_path, f'[gcp]\nextract = "{src}"\n')
    err = one_line_error(capsys, ["--config", str(cfg), "gcp", "import"], InputError.exit_code)
    assert str(src) in err


def test_missing_cost_is_one_line(tmp_path: Path, capsys) -> None:
    src = write_jsonl(
        tmp_path / "x.jsonl", [{k: v for k, v in r.items() if k != "cost"} for r in rows()]
    )
    cfg = config(tmp_path, f'[gcp]\nextract = "{src}"\n')
    err = one_line_error(capsys, ["--config", str(cfg), "gcp", "import"], InputError.exit_code)
    assert "has no cost column" in err


def test_bad_config_is_one_line(tmp_path: Path, capsys) -> None:
    cfg = config(tmp_path, '[gcp]\ndataset = "billing"\n')
    err = one_line_error(capsys, ["--config", str(cfg), "gcp", "import"], ConfigError.exit_code)
    assert "table" in err
    cfg = config(tmp_path, '[gcp.exports.x]\nextrakt = "a"\n')
    one_line_error(capsys, ["--config", str(cfg), "gcp", "import"], ConfigError.exit_code)
    cfg = config(tmp_path, '[gcp]\ndataset = "billing"\ntable = "t"\nlookback_days = -1\n')
    err = one_line_error(capsys, ["--config", str(cfg), "gcp", "import"], ConfigError.exit_code)
    assert "lookback_days must be >= 0" in err
    cfg = config(tmp_path, '[gcp.exports.x]\ndataset = "b"\ntable = "t"\nkind = "fokus"\n')
    err = one_line_error(capsys, ["--config", str(cfg), "gcp", "import"], ConfigError.exit_code)
    assert "kind = 'fokus'" in err
    cfg = config(tmp_path, f'[gcp]\nextract = "{tmp_path}"\nkind = "focus"\n')
    err = one_line_error(capsys, ["--config", str(cfg), "gcp", "import"], ConfigError.exit_code)
    assert "read from BigQuery, not an extract" in err
    cfg = config(tmp_path, f'[gcp]\nextract = "{tmp_path / "nope"}"\n')
    err = one_line_error(capsys, ["--config", str(cfg), "gcp", "import"], InputError.exit_code)
    assert "does not exist" in err


def test_failed_load_leaves_loaded_month(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "x.jsonl", rows())
    s = settings(tmp_path, src)
    import_provider("gcp", s)
    src.write_text(
        src.read_text()
        + '{"cost": 1, "currency": "USD", "export_time": "2023-12-01 00:00:00 UTC", "usage_start_time": "2023-09-01 00:00:00 UTC", "invoice": {"month": "bad"}}\n'
    )
    with pytest.raises(InputError, match="not YYYYMM"):
        import_provider("gcp", s)
    assert raw(tmp_path, "select count(*) from raw_gcp.billing") == [(6,)]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_extract_import_builds_reconciles_and_passes_the_checks(tmp_path: Path, fmt: str) -> None:
    """Loader and mapping together: every GCP period reconciles exactly and no check fails."""
    from finops_lib.checks import failed, run_checks
    from finops_lib.reconcile import reconcile

    data = rows()
    writer = write_jsonl if fmt == "jsonl" else write_parquet
    extract = writer(tmp_path / f"billing.{fmt}", data)
    cfg = config(tmp_path, f'[gcp.exports.billing]\nextract = "{extract}"\n')
    assert main(["--config", str(cfg), "import", "--provider", "gcp"]) == 0
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    try:
        recon = reconcile(con).filter(pl.col("provider") == "GCP")
        focus = con.execute(
            "select x_billing_period, sum(EffectiveCost) from focus.cost_and_usage"
            " where x_provider = 'GCP' group by all order by all"
        ).fetchall()
        errors = [r.rule.name for r in failed(run_checks(con))]
    finally:
        con.close()
    assert recon.height >= 2 and recon["ok"].all(), recon
    # EffectiveCost = cost + every credit, per invoice month, summed from the rows written above
    want: dict[str, Decimal] = {}
    for r in data:
        month = r["invoice"]["month"]
        period = f"{month[:4]}-{month[4:]}"
        credits = sum(Decimal(str(c["amount"])) for c in r.get("credits") or [])
        want[period] = want.get(period, Decimal(0)) + Decimal(str(r["cost"])) + credits
    assert {p: round(v, 6) for p, v in focus} == {p: round(v, 6) for p, v in want.items()}
    assert errors == []


def test_loaded_deliveries_come_from_the_load_state(tmp_path: Path) -> None:
    """What the BigQuery look-back starts from: the export's loaded deliveries; unknown (None,
    every month listed) while this process holds the warehouse open for writing."""
    from finops_lib.sources.gcp_billing import loaded_deliveries

    s = settings(tmp_path, write_jsonl(tmp_path / "x.jsonl", rows()))
    assert loaded_deliveries(s, "billing") == {}
    result = import_provider("gcp", s)
    assert loaded_deliveries(s, "billing") == {x.period: x.delivery_id for x in result.loaded}
    assert loaded_deliveries(s, "other") == {}
    con = db.connect(tmp_path / "w.duckdb")
    try:
        assert loaded_deliveries(s, "billing") is None
    finally:
        con.close()
