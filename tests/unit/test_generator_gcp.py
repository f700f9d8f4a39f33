"""The GCP demo generator: same seed same bytes, the rows a detailed billing export carries, and
expected totals that equal the written Parquet read back with DuckDB (not with the GCP source)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from finops_lib.demo import generate_gcp
from finops_lib.demo.gcp import GeneratedGcp

ROWS = 600


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedGcp:
    return generate_gcp(tmp_path_factory.mktemp("gcp") / "out", rows=ROWS, seed=3)


@pytest.fixture(scope="module")
def con(generated: GeneratedGcp):
    c = duckdb.connect()
    c.execute("set TimeZone = 'UTC'")
    c.execute(f"create table x as select * from read_parquet('{generated.extract}/**/*.parquet')")
    yield c
    c.close()


def test_same_seed_writes_the_same_bytes(tmp_path: Path, generated: GeneratedGcp) -> None:
    again = generate_gcp(tmp_path / "again", rows=ROWS, seed=3)
    assert _tree(generated.root) == _tree(again.root)
    assert generated.expected == again.expected


def test_another_seed_writes_other_data(tmp_path: Path, generated: GeneratedGcp) -> None:
    other = generate_gcp(tmp_path / "other", rows=ROWS, seed=4)
    assert other.expected["periods"] != generated.expected["periods"]


def test_layout_one_nested_parquet_per_invoice_month(generated: GeneratedGcp) -> None:
    assert generated.extract.parent == generated.root
    assert generated.extract.name.startswith("gcp_billing_export_resource_v1_")
    assert (generated.root / "expected_totals.json").is_file()
    assert not list(generated.extract.rglob("*.json"))  # the extract holds only the export
    assert len(generated.files) == len(generated.expected["months"])
    schema = pq.read_schema(generated.files[0])
    assert str(schema.field("credits").type).startswith("list<")
    assert str(schema.field("project").type).startswith("struct<")
    assert str(schema.field("cost").type) == "double"


def test_totals_equal_the_files_read_back(generated: GeneratedGcp, con) -> None:
    rows = con.execute(
        """
        select invoice.month, count(*), sum(cast(cost as decimal(38, 6))),
            coalesce(sum((select sum(cast(c.amount as decimal(38, 6))) from unnest(credits) t(c))), 0)
        from x group by 1 order by 1
        """
    ).fetchall()
    got = {f"{m[:4]}-{m[4:]}": (n, cost, credits, cost + credits) for m, n, cost, credits in rows}
    want = {
        p: (
            t["rows"],
            Decimal(t["cost"]),
            Decimal(t["credits"]),
            Decimal(t["effective_cost"]),
        )
        for p, t in generated.expected["periods"].items()
    }
    assert got == want
    for t in generated.expected["periods"].values():
        assert t["billed_cost"] == t["effective_cost"]


def test_every_amount_is_exact_in_six_places(con) -> None:
    (bad,) = con.execute(
        """
        select count(*) from x
        where cost <> round(cost, 6)
           or exists (select 1 from unnest(credits) t(c) where c.amount <> round(c.amount, 6))
        """
    ).fetchone()
    assert bad == 0


def test_credits_by_type_equal_the_files(generated: GeneratedGcp, con) -> None:
    rows = con.execute(
        """
        select invoice.month, c.type, sum(cast(c.amount as decimal(38, 6)))
        from (select invoice, unnest(credits) as c from x) group by 1, 2
        """
    ).fetchall()
    got = {(f"{m[:4]}-{m[4:]}", k): str(v) for m, k, v in rows}
    want = {
        (p, k): v
        for p, t in generated.expected["periods"].items()
        for k, v in t["credits_by_type"].items()
    }
    assert got == want
    assert {k for _, k in want} == {
        "COMMITTED_USAGE_DISCOUNT",
        "SUSTAINED_USAGE_DISCOUNT",
        "PROMOTION",
    }


def test_thirteen_months_by_default(generated: GeneratedGcp) -> None:
    # the AWS and Azure demo span the same 13 months
    assert generated.expected["months"][0] == "2025-10"
    assert generated.expected["months"][-1] == "2026-10"
    assert len(generated.expected["months"]) == 13


def test_special_rows_are_there(con, generated: GeneratedGcp) -> None:
    months = generated.expected["months"]
    first = months[0].replace("-", "")
    fees, taxes = con.execute(
        "select count(*) filter (where sku.description like 'Commitment v1: %'),"
        " count(*) filter (where cost_type = 'tax') from x"
    ).fetchone()
    assert (fees, taxes) == (len(months), len(months))
    # Spot / preemptible usage every month
    (spot_months,) = con.execute(
        "select count(distinct invoice.month) from x where sku.description ilike '%spot%'"
    ).fetchone()
    assert spot_months == len(months)
    # usage at 03:00 UTC on 1 November 2025, invoiced in October (Pacific invoice months)
    (boundary,) = con.execute(
        "select count(*) from x where invoice.month = $m"
        " and usage_start_time = timestamptz '2025-11-01 03:00:00+00'",
        {"m": first},
    ).fetchone()
    assert boundary >= 1  # the planted row (a random usage hour may fall there too)
    # a late correction: negative regular cost, exported after every other row of the first month
    corr = con.execute(
        "select export_time, (select max(export_time) from x y where y.invoice.month = $m"
        " and not (y.cost < 0 and y.cost_type = 'regular')) from x"
        " where invoice.month = $m and cost < 0 and cost_type = 'regular'",
        {"m": first},
    ).fetchall()
    assert len(corr) == 1 and corr[0][0] > corr[0][1]
    labelled = con.execute(
        "select count(*) filter (where len(labels) > 0), count(*) filter (where len(project.labels) > 0)"
        " from x"
    ).fetchone()
    assert all(n > 0 for n in labelled)


def test_cud_credits_cover_whole_rows_in_the_commitment_region(con) -> None:
    # a resource-based CUD credit cancels the on-demand cost of the usage it covers, in the
    # commitment's region only, and the fee row carries no credit
    bad, covered = con.execute(
        """
        select
            count(*) filter (where location.region <> 'us-central1'
                or cost + (select sum(c.amount) from unnest(credits) t(c)) <> 0),
            count(*)
        from x
        where exists (select 1 from unnest(credits) t(c) where c.type = 'COMMITTED_USAGE_DISCOUNT')
        """
    ).fetchone()
    assert (bad, covered > 0) == (0, True)
    (fee_credits,) = con.execute(
        "select count(*) from x where sku.description like 'Commitment v1: %' and len(credits) > 0"
    ).fetchone()
    assert fee_credits == 0


def test_the_cud_fee_row_can_be_left_out(tmp_path) -> None:  # noqa: ANN001
    generated = generate_gcp(tmp_path / "gcp", rows=60, seed=5, months=("2026-01",), cud_fee=False)
    c = duckdb.connect()
    try:
        (fees,) = c.execute(
            "select count(*) from read_parquet($p) where sku.description like 'Commitment v1: %'",
            {"p": [str(f) for f in generated.files]},
        ).fetchone()
    finally:
        c.close()
    assert fees == 0
