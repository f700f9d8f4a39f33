"""The seam: adding a provider is a folder under finops_lib/sources/ plus SQL files under queries/.

The code base is copied into a temporary folder, a made-up provider (tests/fixtures/seam_provider)
is added to the copy as new files only, and the copy imports it next to an AWS export: discovery,
exactly-once loading, the FOCUS build, the checks, reconciliation and ``finops show-state`` must
all take it in with no core module edited.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "seam_provider"

SCRIPT = r"""
import io, json, sys, contextlib
from pathlib import Path
from finops_lib import db
from finops_lib.checks import failed, run_checks
from finops_lib.cli import main
from finops_lib.demo import generate_aws
from finops_lib.reconcile import reconcile
from finops_lib.sources import providers

work = Path(sys.argv[1])
demo = generate_aws(work / "bucket", rows=600, seed=3)
v1 = demo.exports["v1"]
(work / "finops.toml").write_text(
    "[project]\n"
    f"database = '{work / 'w.duckdb'}'\n"
    f"publish_dir = '{work / 'published'}'\n"
    "[aws]\n"
    f"bucket = '{v1.root}'\nprefix = '{v1.prefix}'\nexport_name = '{v1.name}'\ncur_version = 'v1'\n"
    f"download_dir = '{work / 'dl'}'\n"
)
out = {"providers": sorted(providers())}
cfg = ["--config", str(work / "finops.toml")]
out["first"] = main([*cfg, "import"])
out["second"] = main([*cfg, "import", "--provider", "toycloud"])
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    out["state_rc"] = main([*cfg, "show-state"])
out["state"] = buf.getvalue()
con = db.connect(work / "w.duckdb", read_only=True)
recon = reconcile(con)
out["recon"] = [
    {k: str(v) for k, v in row.items()} for row in recon.iter_rows(named=True)
]
out["errors"] = [r.rule.name for r in failed(run_checks(con))]
out["focus"] = con.execute(
    "select x_provider, x_billing_period, count(*), cast(sum(BilledCost) as varchar) "
    "from focus.cost_and_usage group by all order by all"
).fetchall()
out["loads"] = con.execute(
    "select provider, export_name, billing_period, rows from meta.load_state order by all"
).fetchall()
con.close()
print(json.dumps(out, default=str))
"""


def _copy_with_provider(dest: Path) -> None:
    """The code base as it is, plus the fixture provider as new files only."""
    shutil.copytree(
        ROOT / "finops_lib", dest / "finops_lib", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "queries", dest / "queries")
    package = dest / "finops_lib" / "sources" / "toy_ledger"
    assert not package.exists()
    shutil.copytree(FIXTURE / "sources" / "toy_ledger", package)
    for sql_file in (FIXTURE / "queries").rglob("*.sql"):
        target = dest / "queries" / sql_file.relative_to(FIXTURE / "queries")
        assert not target.exists(), f"{target} would replace a file of the code base"
        shutil.copyfile(sql_file, target)


def test_a_new_provider_is_a_folder_plus_sql_files(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    _copy_with_provider(copy)
    work = tmp_path / "work"
    work.mkdir()
    env = dict(
        os.environ, PYTHONPATH=str(copy), TOY_LEDGER_DIR=str(FIXTURE / "data"), COLUMNS="200"
    )
    env.pop("OPEN_FINOPS_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(work)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])

    assert {"aws", "toycloud"} <= set(out["providers"])
    assert out["first"] == 0 and out["second"] == 0 and out["state_rc"] == 0
    # exactly once: the second run loaded nothing new for ToyCloud
    toy_loads = [row for row in out["loads"] if row[0] == "ToyCloud"]
    assert [(r[1], r[2], r[3]) for r in toy_loads] == [
        ("ledger", "2026-09", 60),
        ("ledger", "2026-10", 62),
    ]
    assert "ToyCloud" in out["state"] and "AWS" in out["state"]

    # FOCUS holds both providers; ToyCloud's billed cost is the ledger's, to the cent
    totals = {(p, period): (n, cost) for p, period, n, cost in out["focus"] if p == "ToyCloud"}
    for period in ("2026-09", "2026-10"):
        lines = (FIXTURE / "data" / f"{period}.csv").read_text().splitlines()[1:]
        from decimal import Decimal

        expected = sum(Decimal(line.split(",")[3]) for line in lines)
        n, cost = totals[("ToyCloud", period)]
        assert n == len(lines)
        assert Decimal(cost) == expected
    assert any(p == "AWS" for p, *_ in out["focus"])

    # reconciliation covers both providers, every scope exact; the checks pass on both
    providers_reconciled = {row["provider"] for row in out["recon"]}
    assert providers_reconciled == {"AWS", "ToyCloud"}
    assert all(row["ok"] == "True" for row in out["recon"]), out["recon"]
    toy_basis = {row["billed_basis"] for row in out["recon"] if row["provider"] == "ToyCloud"}
    assert toy_basis == {"ledger amount"}
    assert out["errors"] == [], out["errors"]
