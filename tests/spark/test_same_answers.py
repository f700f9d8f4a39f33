"""Same answers on Spark as on DuckDB, from the same ``queries/`` (issue 16, item 4).

The demo generators' exports of every provider (AWS CUR v1 and CUR 2.0, Azure EA / MCA / FocusCost,
the GCP billing extract) are imported into a DuckDB warehouse by the real pipeline; the raw tables
go to Parquet, which a local Spark (``local[2]``, loopback only, no UI) reads. Spark then runs
staging, every FOCUS mapping, the marts, the source totals, every conformance rule and
reconciliation, and each result is compared with DuckDB's exactly: the whole FOCUS table row by row,
every mart row by row, per-scope row counts and money sums, each rule's failing rows, and the
reconciliation table. The checks mostly pass on the demo data, so a second run over a FOCUS table
with seeded faults compares rules that do fail.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from finops_lib import sql
from finops_lib.checks import load_rules, run_checks
from finops_lib.reconcile import reconcile
from finops_lib.spec import output_columns

pytestmark = pytest.mark.spark

AWS_ROWS = 800
AZURE_ROWS = 200
GCP_ROWS = 150
SEED = 11
MONTHS = ("2026-09", "2026-10")
MONEY = [n for n, t in output_columns() if t.startswith("DECIMAL")]
SCOPE = ("x_provider", "x_export_name", "x_billing_period")

if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip(
        "no Java runtime: Spark needs a JDK 17+ (.ci/run installs it)", allow_module_level=True
    )


def _norm(v: Any) -> Any:
    """One value as both engines' Python rows can be compared: timestamps as naive UTC (DuckDB
    returns them aware, pyspark naive in the process's zone, UTC here), decimals by value."""
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None) if v.tzinfo else v
    if isinstance(v, Decimal):
        return v.normalize() if v else Decimal(0)
    if isinstance(v, list | tuple):
        return tuple(_norm(x) for x in v)
    return v


def _rows(rows: list[Any]) -> Counter:
    return Counter(tuple(_norm(v) for v in r) for r in rows)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB warehouse with every provider's demo exports imported, and its raw tables (and
    the load-time source totals) as Parquet under ``<root>/raw``."""
    from finops_lib import pipeline
    from finops_lib.config import load_settings
    from finops_lib.demo import generate_aws, generate_azure, generate_gcp

    root = tmp_path_factory.mktemp("same_answers")
    out = root / "exports"
    # two months of each (the last one restated on AWS): every mapping and rule still meets its
    # cases, and Spark's fixed cost per query is paid on fewer scopes
    aws = generate_aws(out, rows=AWS_ROWS, seed=SEED, months=MONTHS)
    azure = generate_azure(out / "azure", rows=AZURE_ROWS, seed=SEED, months=MONTHS)
    gcp = generate_gcp(out / "gcp", rows=GCP_ROWS, seed=SEED, months=MONTHS)
    env = {
        "OPEN_FINOPS_DATABASE": str(root / "finops.duckdb"),
        "OPEN_FINOPS_PROJECT_PUBLISH_DIR": str(root / "published"),
    }
    settings = load_settings(env=env)
    exports = {  # what a finops.toml with the demo's exports would hold
        "aws": {
            e.name: {
                "bucket": str(e.root),
                "prefix": e.prefix,
                "export_name": e.name,
                "cur_version": e.flavour,
                "region": "us-east-1",
            }
            for e in aws.exports.values()
        },
        "azure": {
            d.name: {
                "container": str(d.container),
                "exports": list(d.exports),
                "type": "",
                "storage_account": "",
            }
            for d in azure.datasets.values()
        },
        "gcp": {gcp.name: {"extract": str(gcp.extract)}},
    }
    settings = replace(settings, exports={**settings.exports, **exports})
    pipeline.import_all(settings, providers=["aws", "azure", "gcp"], force=True)
    con = duckdb.connect(str(root / "finops.duckdb"), read_only=True)
    (root / "raw").mkdir()
    for schema, table in con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema like 'raw_%' or (table_schema = 'meta' and table_name = 'source_totals')"
    ).fetchall():
        con.execute(
            f"copy (select * from {sql.safe_ident(schema)}.{sql.safe_ident(table)}) to $p (format parquet)",
            {"p": str(root / "raw" / f"{schema}.{table}.parquet")},
        )
    con.close()
    return root


@pytest.fixture(scope="module")
def duck(warehouse: Path):  # type: ignore[no-untyped-def]
    con = duckdb.connect(str(warehouse / "finops.duckdb"), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


@pytest.fixture(scope="module")
def engine(warehouse: Path, java_options: str):  # type: ignore[no-untyped-def]
    """A local Spark session with the raw Parquet files as its raw tables, built."""
    from finops_lib.engine.spark import SparkEngine, session

    os.environ["TZ"] = "UTC"
    time.tzset()
    spark = session("local[2]", warehouse / "spark", java_options=java_options)
    eng = SparkEngine(spark)
    for path in sorted((warehouse / "raw").glob("raw_*.parquet")):
        eng.register_parquet(path.stem, path)
    eng.built = eng.build()  # type: ignore[attr-defined] - what the build ran, for the tests
    yield eng
    spark.stop()


def _spark_rows(engine, relation: str, columns: list[str]) -> list[Any]:  # type: ignore[no-untyped-def]
    return [tuple(r) for r in engine.spark.table(relation).select(*columns).collect()]


def test_every_mapping_runs_on_spark(engine) -> None:  # type: ignore[no-untyped-def]
    """Every FOCUS mapping with raw input ran; none was skipped for a missing staging view."""
    assert [n for n in sql.names("staging") if not engine.ready(n)] == []
    assert engine.built.sources_skipped == []
    assert engine.built.sources_run == sql.names("focus/sources")
    assert engine.columns("focus.cost_and_usage") == [n for n, _ in output_columns()]


def test_focus_same_rows(engine, duck) -> None:  # type: ignore[no-untyped-def]
    """focus.cost_and_usage: the same rows, every column, on both engines."""
    cols = [n for n, _ in output_columns()]
    quoted = ", ".join(sql.quote_ident(c) for c in cols)
    want = _rows(duck.execute(f"select {quoted} from focus.cost_and_usage").fetchall())
    got = _rows(_spark_rows(engine, "focus.cost_and_usage", cols))
    assert sum(got.values()) == sum(want.values())
    if got != want:  # name the columns that differ, on the first differing row
        only_spark = next(iter(got - want))
        only_duck = min(
            want - got, key=lambda r: sum(a != b for a, b in zip(r, only_spark, strict=True))
        )
        diff = {c: (a, b) for c, a, b in zip(cols, only_duck, only_spark, strict=True) if a != b}
        pytest.fail(f"{sum((got - want).values())} rows differ; e.g. (duckdb, spark): {diff}")


def test_focus_counts_and_money_per_scope(engine, duck) -> None:  # type: ignore[no-untyped-def]
    """Per provider, export and period: row counts and every money column's sum to the cent."""
    sums = ", ".join(f"sum({sql.quote_ident(m)})" for m in MONEY)
    text = f"select {', '.join(SCOPE)}, count(*), {sums} from focus.cost_and_usage group by all"
    want = {r[:3]: r[3:] for r in duck.execute(text).fetchall()}
    got = {tuple(r[:3]): tuple(r[3:]) for r in engine.sql(text).collect()}
    assert set(got) == set(want)
    assert len({r[0] for r in want}) == 3  # AWS, Azure and GCP
    for scope, values in want.items():
        assert got[scope][0] == values[0], scope
        for name, a, b in zip(MONEY, values[1:], got[scope][1:], strict=True):
            assert (a or 0) == (b or 0), (scope, name, a, b)


@pytest.mark.parametrize("mart", sql.names("marts"))
def test_marts_same_rows(engine, duck, mart: str) -> None:  # type: ignore[no-untyped-def]
    table = "marts." + mart.rsplit("/", 1)[1].split("_", 1)[1]
    cols = [r[0] for r in duck.execute(f"describe {table}").fetchall()]
    want = _rows(duck.execute(f"select * from {table}").fetchall())
    got = _rows(_spark_rows(engine, table, cols))
    assert want, f"{table} is empty on DuckDB: the comparison would prove nothing"
    assert got == want


def test_source_totals_same(engine, duck) -> None:  # type: ignore[no-untyped-def]
    """meta.source_totals from the providers' reconcile files, without the delivery ids (the
    Spark build here did not load)."""
    cols = [
        c
        for c in (
            "provider",
            "export_name",
            "billing_period",
            "billing_account_id",
            "currency",
            "rows",
            "billed_cost",
            "effective_cost",
            "billed_basis",
            "effective_basis",
        )
    ]
    want = _rows(duck.execute(f"select {', '.join(cols)} from meta.source_totals").fetchall())
    got = _rows(_spark_rows(engine, "meta.source_totals", cols))
    assert got == want


def test_reconcile_same(engine, duck) -> None:  # type: ignore[no-untyped-def]
    want = reconcile(duck)
    got = engine.reconcile()
    assert want.height and got.columns == want.columns
    assert _rows(got.collect()) == _rows(want.rows())


def _coerce(value: Any, duck_type: str) -> Any:
    """A value of Spark's JSON row as the DuckDB column type of the same position reads it."""
    if value is None:
        return None
    if duck_type.startswith("TIMESTAMP"):
        return datetime.fromisoformat(value)
    if duck_type.startswith("DECIMAL"):
        return Decimal(str(value))
    if duck_type in ("DOUBLE", "FLOAT"):
        return float(value)
    if duck_type == "DATE":
        return date.fromisoformat(value)
    return value


def _failing(duck_con, engine) -> dict[str, tuple[Counter, Counter]]:  # type: ignore[no-untyped-def]
    """Every rule's failing rows on both engines (after both prepared their check views); on
    Spark all rules in one job (:meth:`SparkEngine.failing_json`)."""
    rules = load_rules()
    types: dict[int, list[str]] = {}
    out = {}
    for i, rule in enumerate(rules):
        cur = duck_con.execute(f"select * from ({sql.load(rule.name)})")
        out[rule.rule_id] = (_rows(cur.fetchall()), Counter())
        types[i] = [str(d[1]) for d in cur.description]
    for i, row in engine.failing_json(rules).collect():
        pairs = json.loads(row, parse_float=Decimal, object_pairs_hook=list)
        assert len(pairs) == len(types[i]), rules[i].rule_id
        values = [_coerce(v, t) for (_, v), t in zip(pairs, types[i], strict=True)]
        out[rules[i].rule_id][1].update(_rows([values]))
    return out


def test_checks_same_failing_rows(engine, duck, warehouse: Path) -> None:  # type: ignore[no-untyped-def]
    """Every rule's failing rows, the same on both engines, over the built FOCUS table with faults
    seeded on some rows (the others as built): most rules then fail on some rows, and a rule that
    Spark got wrong on a clean row would show it as well. One pass over the rules: each costs
    Spark a job."""
    assert not [r for r in run_checks(duck) if r.error]
    path = warehouse / "faulty.parquet"
    con = duckdb.connect(str(warehouse / "finops.duckdb"), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    # every 7th row loses its cost and category, every 11th gets a bad currency and unit, every
    # 13th ends before it starts: values the rules must catch
    con.execute(
        "copy (select * replace ("
        " case when x_source_row % 7 = 0 then null else BilledCost end as BilledCost,"
        " case when x_source_row % 7 = 0 then 'usage' else ChargeCategory end as ChargeCategory,"
        " case when x_source_row % 11 = 0 then 'usd' else BillingCurrency end as BillingCurrency,"
        " case when x_source_row % 11 = 0 then 'hours' else PricingUnit end as PricingUnit,"
        " case when x_source_row % 13 = 0 then ChargePeriodStart - interval 1 hour"
        "  else ChargePeriodEnd end as ChargePeriodEnd"
        ") from focus.cost_and_usage) to $p (format parquet)",
        {"p": str(path)},
    )
    con.close()
    mem = duckdb.connect(":memory:")
    mem.execute("SET TimeZone = 'UTC'")
    mem.execute("create schema focus")
    mem.execute(
        "create table focus.cost_and_usage as select * from read_parquet($p)", {"p": str(path)}
    )
    engine.register_parquet("faulty.cost_and_usage", path)
    try:
        results = run_checks(mem)
        engine.prepare_checks("faulty.cost_and_usage")
        failing = [r for r in results if r.failing]
        assert len(failing) >= 5, [r.rule.rule_id for r in failing]
        for rule_id, (want, got) in _failing(mem, engine).items():
            assert got == want, rule_id
    finally:
        mem.close()
        engine.prepare_checks()
