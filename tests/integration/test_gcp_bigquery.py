"""GCP import against a real BigQuery API: the ``local-bigquery`` emulator on 127.0.0.1.

The emulator runs in its own Python 3.13 environment, ``.cache/bigquery`` (``.ci/run`` installs
it; the recipe is in its block there). The module starts it on free loopback ports, creates a
dataset with a detailed (resource-level) and a standard export table of the real nested schema,
inserts the demo generator's rows plus hand-written rows unlike the demo's (other SKUs and
services, a reseller credit, a free-tier credit, several credits on one row, tax, an adjustment,
a Pacific month boundary), and imports through ``finops gcp import`` with ``[gcp] api_endpoint``
(anonymous credentials); a FOCUS view over the detailed table, in the manner of Google's, is
imported as an export of kind "focus". Every figure compared is computed by BigQuery on the
emulator.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from finops_lib import db
from finops_lib.cli import main
from finops_lib.config import load_settings
from finops_lib.demo.gcp import generate_gcp
from finops_lib.errors import ConfigError, InputError
from finops_lib.pipeline import load_delivery
from finops_lib.sources.gcp_billing import PROVIDER

REPO = Path(__file__).resolve().parents[2]
EXE = REPO / ".cache" / "bigquery" / "bin" / "local-bigquery"
PROJECT = "local"
DATASET = "billing"
DETAILED = "gcp_billing_export_resource_v1_01D3A5_7E2C44_9B0F61"
STANDARD = "gcp_billing_export_v1_0A1B2C_3D4E5F_6A7B8C"

KV = "ARRAY<STRUCT<key STRING, value STRING>>"
# The Cloud Billing detailed export's table schema (standard: the same without ``resource``).
COLUMNS = [
    ("billing_account_id", "STRING"),
    ("service", "STRUCT<id STRING, description STRING>"),
    ("sku", "STRUCT<id STRING, description STRING>"),
    ("usage_start_time", "TIMESTAMP"),
    ("usage_end_time", "TIMESTAMP"),
    (
        "project",
        f"STRUCT<id STRING, number STRING, name STRING, labels {KV}, ancestry_numbers STRING,"
        " ancestors ARRAY<STRUCT<resource_name STRING, display_name STRING>>>",
    ),
    ("labels", KV),
    ("system_labels", KV),
    ("location", "STRUCT<location STRING, country STRING, region STRING, zone STRING>"),
    ("tags", "ARRAY<STRUCT<key STRING, value STRING, inherited BOOL, namespace STRING>>"),
    ("transaction_type", "STRING"),
    ("seller_name", "STRING"),
    ("export_time", "TIMESTAMP"),
    ("cost", "FLOAT64"),
    ("currency", "STRING"),
    ("currency_conversion_rate", "FLOAT64"),
    (
        "usage",
        "STRUCT<amount FLOAT64, unit STRING, amount_in_pricing_units FLOAT64, pricing_unit STRING>",
    ),
    (
        "credits",
        "ARRAY<STRUCT<name STRING, amount FLOAT64, full_name STRING, id STRING, type STRING>>",
    ),
    ("invoice", "STRUCT<month STRING, publisher_type STRING>"),
    ("cost_type", "STRING"),
    ("adjustment_info", "STRUCT<id STRING, description STRING, mode STRING, type STRING>"),
    ("cost_at_list", "FLOAT64"),
    (
        "price",
        "STRUCT<effective_price NUMERIC, tier_start_amount NUMERIC, unit STRING,"
        " pricing_unit_quantity NUMERIC>",
    ),
    ("subscription", "STRUCT<instance_id STRING>"),
    ("resource", "STRUCT<name STRING, global_name STRING>"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def hand_row(
    sku: str,
    month: str,
    start: str,
    exported: str,
    cost: float,
    *,
    service: str = "Cloud Run",
    project: str = "ledger-api",
    credits: list[dict] | None = None,
    **extra: Any,
) -> dict:
    """A detailed-export row unlike the demo's (its own account, projects, services, SKUs)."""
    row = {
        "billing_account_id": "0A1B2C-3D4E5F-6A7B8C",
        "service": {"id": f"SVC-{service[:4].upper()}", "description": service},
        "sku": {"id": sku, "description": f"{service} {sku}"},
        "usage_start_time": start,
        "usage_end_time": (datetime.fromisoformat(start) + timedelta(hours=1)).isoformat(),
        "project": {
            "id": project,
            "number": "731000000042",
            "name": project.replace("-", " ").title(),
            "labels": [{"key": "owner", "value": "ledger"}, {"key": "tier", "value": "gold"}],
            "ancestry_numbers": "/5550001/731000000042/",
            "ancestors": [
                {"resource_name": f"projects/{project}", "display_name": project},
                {"resource_name": "organizations/5550001", "display_name": "example.org"},
            ],
        },
        "labels": [{"key": "component", "value": "ingest"}],
        "system_labels": [{"key": "run.googleapis.com/cpu", "value": "2"}],
        "location": {
            "location": "europe-west4",
            "country": "NL",
            "region": "europe-west4",
            "zone": None,
        },
        "tags": [
            {"key": "env", "value": "prod", "inherited": True, "namespace": "5550001/env"},
        ],
        "transaction_type": "GOOGLE",
        "seller_name": "Google",
        "export_time": exported,
        "cost": cost,
        "currency": "USD",
        "currency_conversion_rate": 1.0,
        "usage": {
            "amount": 7200.0,
            "unit": "seconds",
            "amount_in_pricing_units": 2.0,
            "pricing_unit": "hour",
        },
        "credits": credits or [],
        "invoice": {"month": month, "publisher_type": "GOOGLE"},
        "cost_type": "regular",
        "adjustment_info": None,
        "cost_at_list": abs(cost) * 1.25,
        "price": {
            "effective_price": "0.0173",
            "tier_start_amount": "0",
            "unit": "hour",
            "pricing_unit_quantity": "1",
        },
        "subscription": None,
        "resource": {
            "name": f"services/{sku.lower()}",
            "global_name": f"//run.googleapis.com/projects/{project}/services/{sku.lower()}",
        },
    }
    return row | extra


def credit(kind: str, amount: float, ident: str) -> dict:
    return {"name": kind.title(), "amount": amount, "full_name": None, "id": ident, "type": kind}


NO_USAGE = {"amount": 0.0, "unit": None, "amount_in_pricing_units": 0.0, "pricing_unit": None}


def hand_rows() -> list[dict]:
    """Months 2026-05 and 2026-06, with a Pacific boundary row (June in Los Angeles, July in UTC)."""
    return [
        hand_row(
            "RUN-VCPU",
            "202605",
            "2026-05-03T10:00:00+00:00",
            "2026-05-04T02:11:09.123456+00:00",
            12.3456789,
            credits=[credit("RESELLER_MARGIN", -1.2345678, "reseller-7")],
        ),
        hand_row(
            "GCS-STD",
            "202605",
            "2026-05-09T00:00:00+00:00",
            "2026-05-10T02:00:00+00:00",
            0.0412,
            service="Cloud Storage",
            credits=[credit("FREE_TIER", -0.0412, "free-tier-gcs")],
        ),
        hand_row(
            "RUN-MEM",
            "202605",
            "2026-05-20T00:00:00+00:00",
            "2026-05-21T03:00:00+00:00",
            3.21,
            credits=[
                credit("SUBSCRIPTION_BENEFIT", -0.5, "sub-1"),
                credit("DISCOUNT", -0.321, "spend-based-9"),
                credit("PROMOTION", -0.05, "promo-2026"),
            ],
        ),
        hand_row(
            "TAX-NL",
            "202605",
            "2026-05-01T07:00:00+00:00",
            "2026-06-02T09:00:00+00:00",
            2.2187,
            service="Tax",
            cost_type="tax",
            usage=NO_USAGE,
            resource=None,
        ),
        hand_row(
            "ADJ-1",
            "202605",
            "2026-05-15T00:00:00+00:00",
            "2026-06-03T11:00:00+00:00",
            -4.75,
            cost_type="adjustment",
            usage=NO_USAGE,
            adjustment_info={
                "id": "adj-20260603",
                "description": "Goodwill credit for an outage",
                "mode": "MANUAL_ADJUSTMENTS",
                "type": "GENERAL_ADJUSTMENT",
            },
        ),
        hand_row(
            "RUN-VCPU",
            "202606",
            "2026-07-01T03:00:00+00:00",  # 2026-06-30 20:00 in Los Angeles: June's invoice
            "2026-07-01T09:00:00+00:00",
            0.987654321,
        ),
        hand_row(
            "RUN-VCPU",
            "202606",
            "2026-06-11T00:00:00+00:00",
            "2026-06-12T00:00:00+00:00",
            5.5,
            credits=[credit("RESELLER_MARGIN", -0.55, "reseller-7")],
        ),
    ]


class Emulator:
    """The running emulator and a client on it."""

    def __init__(self, url: str) -> None:
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery

        self.url = url
        self.client = bigquery.Client(
            project=PROJECT,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": url},
        )

    def sql(self, text: str, **params: Any) -> list[dict]:
        from google.cloud import bigquery

        kinds = {str: "STRING", datetime: "TIMESTAMP"}
        config = bigquery.QueryJobConfig(
            query_parameters=[
                bigquery.ScalarQueryParameter(k, kinds[type(v)], v) for k, v in params.items()
            ]
        )
        return [dict(r) for r in self.client.query(text, job_config=config).result()]

    def insert(self, table: str, rows: list[dict]) -> None:
        from google.cloud import bigquery

        ref = f"{PROJECT}.{DATASET}.{table}"
        schema = self.client.get_table(ref).schema
        job = self.client.load_table_from_json(
            [_jsonable(r) for r in rows], ref, job_config=bigquery.LoadJobConfig(schema=schema)
        )
        job.result()

    def month_totals(self, table: str) -> dict[str, Decimal]:
        """Per invoice month (as YYYY-MM): SUM(cost) + SUM(credits.amount), by BigQuery."""
        got = self.sql(
            "SELECT invoice.month AS month, SUM(cost) AS cost,"  # noqa: S608 - test constants
            " SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) AS c), 0)) AS credits"
            f" FROM `{PROJECT}.{DATASET}.{table}` GROUP BY month ORDER BY month"
        )
        return {
            f"{r['month'][:4]}-{r['month'][4:]}": Decimal(repr(r["cost"]))
            + Decimal(repr(r["credits"]))
            for r in got
        }

    def newest_export(self, table: str) -> datetime:
        (row,) = self.sql(f"SELECT MAX(export_time) AS t FROM `{PROJECT}.{DATASET}.{table}`")  # noqa: S608
        return row["t"]


def _ensure_extensions() -> None:
    """Install the pip-packaged DuckDB extensions into the emulator's DuckDB (idempotent)."""
    py = EXE.parent / "python"
    code = (
        "from duckdb_extensions import import_extension; import duckdb; con = duckdb.connect()\n"
        "for n in ('ducklake', 'icu', 'spatial', 'json', 'parquet'): import_extension(n, con=con)"
    )
    done = subprocess.run([str(py), "-c", code], capture_output=True, timeout=120, check=False)
    if done.returncode != 0:
        pytest.skip(f"the emulator's DuckDB extensions do not install: {done.stderr[-200:]!r}")


@pytest.fixture(scope="module")
def bq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """``local-bigquery serve`` on free loopback ports, stopped (by its PID) after the module."""
    if not EXE.exists():
        pytest.skip(
            f"the local-bigquery emulator is not installed in {EXE.parent.parent} (.ci/run)"
        )
    _ensure_extensions()
    port, grpc = _free_port(), _free_port()
    data = tmp_path_factory.mktemp("bigquery")
    log = (data / "emulator.log").open("w")
    proc = subprocess.Popen(
        [str(EXE), "serve", "--host", "127.0.0.1", "--port", str(port), "--grpc-port", str(grpc)]
        + ["--data-dir", str(data / "data")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.skip(
                        f"local-bigquery exited at start-up: {(data / 'emulator.log').read_text()[-300:]!r}"
                    )
                time.sleep(0.1)
        else:
            pytest.skip("local-bigquery did not listen within 30 s")
        yield Emulator(f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def _create(bq: Emulator, table: str, *, resource: bool = True) -> None:
    cols = [(n, t) for n, t in COLUMNS if resource or n != "resource"]
    ddl = ", ".join(f"{n} {t}" for n, t in cols)
    bq.sql(f"CREATE TABLE `{PROJECT}.{DATASET}.{table}` ({ddl})")


def config(tmp: Path, endpoint: str, exports: str, database: Path | None = None) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "finops.toml"
    path.write_text(
        f'[project]\ndatabase = "{database or tmp / "w.duckdb"}"\npublish_dir = "{tmp / "pub"}"\n'
        f'[gcp]\nproject_id = "{PROJECT}"\napi_endpoint = "{endpoint}"\nlookback_days = 3\n'
        + exports
    )
    return path


EXPORTS = (
    f'[gcp.exports.detailed]\ndataset = "{DATASET}"\ntable = "{DETAILED}"\n'
    f'[gcp.exports.standard]\ndataset = "{DATASET}"\ntable = "{STANDARD}"\n'
)


@pytest.fixture(scope="module")
def setup(bq: Emulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The tables filled, and a first ``finops gcp import`` of both exports."""
    tmp = tmp_path_factory.mktemp("gcp-bq")
    bq.sql(f"CREATE SCHEMA `{PROJECT}.{DATASET}`")
    _create(bq, DETAILED)
    _create(bq, STANDARD, resource=False)
    demo = generate_gcp(tmp / "demo", rows=240, months=("2026-08", "2026-09", "2026-10"))
    demo_rows = [r for f in demo.files for r in pq.read_table(f).to_pylist()]
    bq.insert(DETAILED, demo_rows + hand_rows())
    standard = [{k: v for k, v in r.items() if k != "resource"} for r in hand_rows()]
    for r in standard:  # another account's export, other months
        r["invoice"] = {"month": "2026" + str(int(r["invoice"]["month"][4:]) + 1).zfill(2)}
    bq.insert(STANDARD, standard)
    cfg = config(tmp, bq.url, EXPORTS)
    code = main(["--config", str(cfg), "gcp", "import"])
    assert code == 0
    return {"tmp": tmp, "cfg": cfg, "demo_rows": len(demo_rows), "db": tmp / "w.duckdb"}


def query(path: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = db.connect(path, read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def focus_billed(path: Path, export: str) -> dict[str, Decimal]:
    rows = query(
        path,
        "select x_billing_period, sum(BilledCost) from focus.cost_and_usage"
        " where x_provider = 'GCP' and x_export_name = $e group by 1 order by 1",
        {"e": export},
    )
    return {p: v for p, v in rows}


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """What a failed or empty run must not change: load state, raw and FOCUS totals."""
    return {
        "state": query(
            path,
            "select export_name, billing_period, delivery_id, rows, load_id, loaded_at"
            " from meta.load_state where provider = 'GCP' order by all",
        ),
        "raw": query(
            path,
            "select x_export_name, x_billing_period, count(*), sum(cost), max(x_load_id)"
            " from raw_gcp.billing group by all order by all",
        ),
        "focus": query(
            path,
            "select x_export_name, x_billing_period, count(*), sum(BilledCost)"
            " from focus.cost_and_usage where x_provider = 'GCP' group by all order by all",
        ),
    }


def assert_cents(focus: dict[str, Decimal], source: dict[str, Decimal]) -> None:
    assert sorted(focus) == sorted(source)
    for period, want in source.items():
        assert abs(focus[period] - want) < Decimal("0.005"), (period, focus[period], want)


def test_every_invoice_month_billed_cost_is_cost_plus_credits(
    bq: Emulator, setup: dict[str, Any]
) -> None:
    for export, table in (("detailed", DETAILED), ("standard", STANDARD)):
        source = bq.month_totals(table)
        assert len(source) >= 2
        assert_cents(focus_billed(setup["db"], export), source)
    # every source row arrived, nested fields flattened
    (n,) = query(setup["db"], "select count(*) from raw_gcp.billing where x_export_name='detailed'")
    assert n[0] == setup["demo_rows"] + len(hand_rows())
    ((credits, labels, tags),) = query(
        setup["db"],
        "select credits, project_labels, x_export_kind from raw_gcp.billing"
        " where sku_id = 'RUN-MEM' and x_export_name = 'detailed'",
    )
    assert [c["type"] for c in json.loads(credits)] == [
        "SUBSCRIPTION_BENEFIT",
        "DISCOUNT",
        "PROMOTION",
    ]
    assert json.loads(labels) == {"owner": "ledger", "tier": "gold"} and tags == "detailed"


def test_standard_export_loads_with_resource_columns_null(setup: dict[str, Any]) -> None:
    got = query(
        setup["db"],
        "select x_export_kind, count(*), count(resource_name), count(resource_global_name)"
        " from raw_gcp.billing where x_export_name = 'standard' group by 1",
    )
    assert got == [("standard", len(hand_rows()), 0, 0)]


def test_focus_export_passes_the_checker_and_the_official_validator(
    setup: dict[str, Any], tmp_path: Path
) -> None:
    """The FOCUS 1.2 export of rows read through the BigQuery API: no row-level check fails, and
    the official validator fails only its known defective rules."""
    from finops_lib import checks, official_validator
    from finops_lib.export import export

    con = db.connect(setup["db"], read_only=True)
    try:
        errors = checks.failed(checks.run_checks(con), "error")
        assert errors == [], [(r.rule.rule_id, r.failing) for r in errors]
        path = tmp_path / "gcp-focus-1.2.parquet"
        export(con, path, focus_version="1.2", fmt="parquet")
    finally:
        con.close()
    if official_validator.find_python312() is None:
        pytest.skip("the official validator needs a local Python 3.12 and none was found")
    outcome = official_validator.run(path)
    assert outcome.total > 500
    assert outcome.real_failures == [], outcome.real_failures


def test_rerun_imports_nothing_and_changes_nothing(setup: dict[str, Any], capsys) -> None:
    before = snapshot(setup["db"])
    capsys.readouterr()
    assert main(["--config", str(setup["cfg"]), "gcp", "import"]) == 0
    assert "loaded 0 period(s)" in capsys.readouterr().out
    assert snapshot(setup["db"]) == before


def test_show_state_lists_the_months(bq: Emulator, setup: dict[str, Any], capsys) -> None:
    capsys.readouterr()
    assert main(["--config", str(setup["cfg"]), "gcp", "show-state"]) == 0
    out = capsys.readouterr().out
    for table in (DETAILED, STANDARD):
        for period in bq.month_totals(table):
            assert period in out
    assert "detailed" in out and "standard" in out


def _loaded(path: Path) -> dict[tuple[str, str], str]:
    return {
        (e, p): lid
        for e, p, *_, lid, _ in snapshot(path)["state"]  # export, period, ..., load_id, at
    }


def test_late_row_within_lookback_reloads_only_its_month(
    bq: Emulator, setup: dict[str, Any]
) -> None:
    before = _loaded(setup["db"])
    newest = bq.newest_export(DETAILED)
    # a row exported a day before the newest one loaded: late-visible, within the 3-day look-back
    bq.insert(
        DETAILED,
        [
            hand_row(
                "RUN-LATE",
                "202606",
                "2026-06-20T00:00:00+00:00",
                (newest - timedelta(days=1)).isoformat(),
                0.333,
                credits=[credit("FREE_TIER", -0.111, "free-tier-run")],
            )
        ],
    )
    assert main(["--config", str(setup["cfg"]), "gcp", "import"]) == 0
    after = _loaded(setup["db"])
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert changed == [("detailed", "2026-06")]
    assert_cents(focus_billed(setup["db"], "detailed"), bq.month_totals(DETAILED))


def test_row_older_than_lookback_waits_for_full_listing(
    bq: Emulator, setup: dict[str, Any]
) -> None:
    before = snapshot(setup["db"])
    newest = bq.newest_export(DETAILED)
    bq.insert(
        DETAILED,
        [
            hand_row(
                "RUN-OLD",
                "202605",
                "2026-05-28T00:00:00+00:00",
                (newest - timedelta(days=5)).isoformat(),
                1.25,
            )
        ],
    )
    assert main(["--config", str(setup["cfg"]), "gcp", "import"]) == 0
    assert snapshot(setup["db"]) == before  # outside the look-back: not listed, not read
    assert main(["--config", str(setup["cfg"]), "gcp", "import", "--full"]) == 0
    after = _loaded(setup["db"])
    old = {(e, p): lid for e, p, *_, lid, _ in before["state"]}
    assert sorted(k for k in after if after[k] != old.get(k)) == [("detailed", "2026-05")]
    assert_cents(focus_billed(setup["db"], "detailed"), bq.month_totals(DETAILED))


def test_month_is_read_in_pages_and_replaced_atomically(
    bq: Emulator, setup: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Pages of a month are inserted one by one in the load's transaction; when the month turns
    out inconsistent after some pages (a row arrived between listing and reading), the loaded
    month stays as it was."""
    settings = load_settings(setup["cfg"], env={})
    before = snapshot(setup["db"])
    (export,) = [e for e in PROVIDER.exports(settings) if e.name == "detailed"]
    export.source.page_rows = 8
    export.source.loaded = None  # list every month afresh
    busiest = max(export.deliveries(), key=lambda d: int(d.delivery_id.rsplit("/", 1)[1]))
    month = busiest.period.replace("-", "")
    assert int(busiest.delivery_id.rsplit("/", 1)[1]) > 2 * export.source.page_rows
    (row,) = bq.sql(
        f"SELECT MIN(export_time) AS t FROM `{PROJECT}.{DATASET}.{DETAILED}`"  # noqa: S608
        " WHERE invoice.month = @m",
        m=month,
    )
    con = db.connect_writer(settings)
    try:
        # the month, forced, with a row more than listed: read page by page, then refused
        start = f"{busiest.period}-15T00:00:00+00:00"
        bq.insert(DETAILED, [hand_row("RUN-RACE", month, start, row["t"].isoformat(), 9.99)])
        fetched = export.fetch(busiest)  # the month's query runs; its pages are read in load
        caplog.set_level(logging.DEBUG, logger="finops_lib.sources.gcp_billing.load")
        with pytest.raises(InputError, match="rows read but"):
            load_delivery(con, PROVIDER, export, busiest, fetched)
    finally:
        con.close()
        bq.sql(
            f"DELETE FROM `{PROJECT}.{DATASET}.{DETAILED}` WHERE sku.id = 'RUN-RACE'"  # noqa: S608
        )
    pages = [r for r in caplog.records if "rows inserted" in r.getMessage()]
    assert len(pages) >= 3 and all(int(r.args[3]) <= 8 for r in pages)  # type: ignore[index]
    assert snapshot(setup["db"]) == before


class _Forbidden(BaseHTTPRequestHandler):
    """Answers every request as BigQuery does when the credentials lack a permission."""

    def _answer(self) -> None:
        msg = (
            f"Access Denied: Table {PROJECT}:{DATASET}.{DETAILED}: Permission bigquery.tables.get"
            f" denied on table {PROJECT}:{DATASET}.{DETAILED} (or it may not exist)."
        )
        body = json.dumps(
            {
                "error": {
                    "code": 403,
                    "message": msg,
                    "errors": [{"message": msg, "domain": "global", "reason": "accessDenied"}],
                    "status": "PERMISSION_DENIED",
                }
            }
        ).encode()
        self.send_response(403)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def forbidden() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Forbidden)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("case", "code", "words"),
    [
        ("missing dataset", InputError.exit_code, "dataset local.nowhere not found"),
        ("missing table", InputError.exit_code, "table local.billing.gcp_billing_export_v1_GONE"),
        ("not a billing export", InputError.exit_code, "has no cost column"),
        ("permission", ConfigError.exit_code, "refused access"),
        ("nothing listening", InputError.exit_code, "connection refused"),
    ],
)
def test_bad_input_is_one_line_and_leaves_the_load(
    bq: Emulator,
    setup: dict[str, Any],
    forbidden: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
    case: str,
    code: int,
    words: str,
) -> None:
    before = snapshot(setup["db"])
    table = f'dataset = "{DATASET}"\ntable = "{DETAILED}"\n'
    if case == "missing dataset":
        table = f'dataset = "nowhere"\ntable = "{DETAILED}"\n'
    elif case == "missing table":
        table = f'dataset = "{DATASET}"\ntable = "gcp_billing_export_v1_GONE"\n'
    elif case == "not a billing export":
        bq.sql(
            f"CREATE TABLE IF NOT EXISTS `{PROJECT}.{DATASET}.invoices` (month STRING, total FLOAT64)"
        )
        table = f'dataset = "{DATASET}"\ntable = "invoices"\n'
    elif case == "permission":
        monkeypatch.setenv("OPEN_FINOPS_GCP_API_ENDPOINT", forbidden)
    else:  # the env variable wins over [gcp] api_endpoint
        monkeypatch.setenv("OPEN_FINOPS_GCP_API_ENDPOINT", f"http://127.0.0.1:{_free_port()}")
    cfg = config(
        setup["tmp"] / case.replace(" ", "_"),
        bq.url,
        f"[gcp.exports.detailed]\n{table}",
        database=setup["db"],
    )
    capsys.readouterr()
    started = time.monotonic()
    assert main(["--config", str(cfg), "gcp", "import"]) == code
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert words in err.lower() or words in err, err
    assert time.monotonic() - started < 20
    assert snapshot(setup["db"]) == before


FOCUS_VIEW = "gcp_billing_focus_view"
# A FOCUS view over the detailed export in the manner of Google's published one (its credits in
# both BilledCost and EffectiveCost; invoice months at midnight Los Angeles time).
FOCUS_VIEW_SQL = f"""
SELECT
  location.zone AS AvailabilityZone,
  CAST(cost AS NUMERIC)
    + IFNULL((SELECT SUM(CAST(c.amount AS NUMERIC)) FROM UNNEST(credits) AS c), 0) AS BilledCost,
  billing_account_id AS BillingAccountId,
  currency AS BillingCurrency,
  TIMESTAMP(PARSE_DATE('%Y%m', invoice.month), 'America/Los_Angeles') AS BillingPeriodStart,
  TIMESTAMP(DATE_ADD(PARSE_DATE('%Y%m', invoice.month), INTERVAL 1 MONTH), 'America/Los_Angeles')
    AS BillingPeriodEnd,
  CASE LOWER(cost_type) WHEN 'regular' THEN 'Usage' WHEN 'tax' THEN 'Tax' ELSE 'Adjustment' END
    AS ChargeCategory,
  sku.description AS ChargeDescription,
  usage_start_time AS ChargePeriodStart,
  usage_end_time AS ChargePeriodEnd,
  CAST(usage.amount AS NUMERIC) AS ConsumedQuantity,
  usage.unit AS ConsumedUnit,
  CAST(cost AS NUMERIC)
    + IFNULL((SELECT SUM(CAST(c.amount AS NUMERIC)) FROM UNNEST(credits) AS c), 0) AS EffectiveCost,
  CAST(cost_at_list AS NUMERIC) AS ListCost,
  'Google Cloud' AS ProviderName,
  location.region AS RegionId,
  resource.global_name AS ResourceId,
  resource.name AS ResourceName,
  service.description AS ServiceName,
  sku.id AS SkuId,
  project.id AS SubAccountId,
  project.name AS SubAccountName,
  ARRAY(SELECT AS STRUCT l.key AS key, l.value AS value FROM UNNEST(labels) AS l) AS Tags,
  ARRAY(SELECT AS STRUCT c.name AS Name, CAST(c.amount AS NUMERIC) AS Amount,
    c.full_name AS FullName, c.id AS Id, c.type AS Type FROM UNNEST(credits) AS c) AS x_Credits,
  cost_type AS x_CostType,
  export_time AS x_ExportTime,
  service.id AS x_ServiceId,
  STRUCT(project.id AS Id, project.number AS Number, project.name AS Name) AS x_Project,
  ARRAY(SELECT AS STRUCT l.key AS Key, l.value AS Value FROM UNNEST(project.labels) AS l)
    AS x_ProjectLabels
FROM `{PROJECT}.{DATASET}.{DETAILED}`
"""


def test_google_focus_view_loads_into_raw_gcp_focus(
    bq: Emulator, setup: dict[str, Any], capsys
) -> None:
    """An export of kind "focus" reads Google's FOCUS view: every month's BilledCost equals the
    detailed export's cost + credits, it reconciles, and a re-run loads nothing."""
    from finops_lib.reconcile import reconcile

    bq.sql(f"CREATE VIEW `{PROJECT}.{DATASET}.{FOCUS_VIEW}` AS {FOCUS_VIEW_SQL}")
    tmp = setup["tmp"] / "focus-view"
    cfg = config(
        tmp,
        bq.url,
        f'[gcp.exports.focusview]\nkind = "focus"\ndataset = "{DATASET}"\ntable = "{FOCUS_VIEW}"\n',
    )
    assert main(["--config", str(cfg), "gcp", "import"]) == 0
    path = tmp / "w.duckdb"
    assert_cents(focus_billed(path, "focusview"), bq.month_totals(DETAILED))
    (n,) = bq.sql(f"SELECT COUNT(*) AS n FROM `{PROJECT}.{DATASET}.{DETAILED}`")  # noqa: S608
    assert query(path, "select count(*) from raw_gcp.focus") == [(n["n"],)]
    ((tags, extras),) = query(
        path,
        "select Tags, x_extras from focus.cost_and_usage where SkuId = 'RUN-MEM'",
    )
    assert json.loads(tags) == {"component": "ingest"}
    assert [c["Type"] for c in json.loads(extras)["credits"]] == [
        "SUBSCRIPTION_BENEFIT",
        "DISCOUNT",
        "PROMOTION",
    ]
    con = db.connect(path, read_only=True)
    try:
        recon = reconcile(con)
    finally:
        con.close()
    assert recon.height >= 3 and recon["ok"].all(), recon
    before = snapshot(path)
    capsys.readouterr()
    assert main(["--config", str(cfg), "gcp", "import"]) == 0
    assert "loaded 0 period(s)" in capsys.readouterr().out
    assert snapshot(path) == before
    # the detailed export table is not a FOCUS view: one line, nothing changed
    cfg.write_text(cfg.read_text().replace(FOCUS_VIEW, DETAILED))
    assert main(["--config", str(cfg), "gcp", "import"]) == InputError.exit_code
    err = capsys.readouterr().err
    assert "has no BilledCost column" in err and len(err.strip().splitlines()) == 1
    assert snapshot(path) == before
