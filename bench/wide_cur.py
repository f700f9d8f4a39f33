"""A CUR v1 delivery as wide as a real account's: the generated files plus the columns of a real header.

``finops_lib.demo.generate_aws`` writes 69 CUR v1 columns; a real account's report has about 200
(the issue's hold-out deliveries: 195), most of them ``product/*`` attributes. :func:`widen` copies a
generated CUR v1 bucket and adds every column of a third-party CUR v1 header that the generated files
lack (``data/sample/aws_cur_v1/2023-06-01.csv``, project-koku/koku, Apache-2.0: 201 columns, see
``data/sample/SOURCES.md``): 209 columns in all. The added values come from that file's three rows,
chosen per line item by a hash of its id, so each added column holds up to three distinct values, as
product attributes do within one service. Columns that would change what a row costs or means are
derived from the row itself (``lineItem/BlendedCost`` = its unblended cost, ``BlendedRate`` = its
unblended rate, ``NormalizedUsageAmount`` = its usage amount) or left empty (``reservation/*`` and
``savingsPlan/*``, which only commitment rows carry), so the month's totals stay the generator's.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb

from finops_lib.sql import quote_ident

TEMPLATE = (
    Path(__file__).resolve().parent.parent / "data" / "sample" / "aws_cur_v1" / "2023-06-01.csv"
)
#: Added columns copied from the row's own columns.
DERIVED = {
    "lineItem/BlendedCost": "lineItem/UnblendedCost",
    "lineItem/BlendedRate": "lineItem/UnblendedRate",
    "lineItem/NormalizedUsageAmount": "lineItem/UsageAmount",
}
#: Added columns left empty (commitment detail a usage row does not carry).
EMPTY = ("reservation/", "savingsPlan/")


def _header(path: Path) -> list[str]:
    with path.open(newline="") as f:
        return next(csv.reader(f))


def _added(name: str, have: list[str]) -> str:
    col = quote_ident(name)
    if name in DERIVED and DERIVED[name] in have:
        return f"s.{quote_ident(DERIVED[name])} as {col}"
    if name.startswith(EMPTY):
        return f"cast(null as varchar) as {col}"
    return f"t.{col}"


def widen(src: Path, dst: Path, template: Path = TEMPLATE) -> Path:
    """Copy the CUR v1 bucket ``src`` to ``dst`` with the template's missing columns added to every
    data file and manifest; reused when ``dst`` was widened from the same files before."""
    done = dst / "widened.json"
    files = sorted(src.rglob("*.csv.gz"))
    stamp = {"files": [str(p.relative_to(src)) for p in files], "template": template.name}
    if done.exists() and json.loads(done.read_text()) == stamp:
        return dst
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.csv.gz"))
    extra = [c for c in _header(template) if c not in set(_header_gz(files[0]))]
    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        con.execute(
            "create table t as select *, cast(row_number() over () - 1 as bigint) as __k "
            "from read_csv($p, header = true, all_varchar = true)",
            {"p": str(template)},
        )
        (variants,) = con.execute("select count(*) from t").fetchone() or (0,)
        for path in files:
            have = _header_gz(path)
            cols = ", ".join(_added(c, have) for c in extra)
            out = dst / path.relative_to(src)
            # the output path is a COPY target, which DuckDB does not take as a parameter: it is
            # a path this function made, quoted as a literal
            target = "'" + str(out).replace("'", "''") + "'"
            con.execute(
                f"copy (select s.*, {cols} from read_csv($p, header = true, all_varchar = true) s "  # noqa: S608 - quoted names
                f'join t on t.__k = hash(s."identity/LineItemId") % $n) '
                f"to {target} (header, compression gzip)",
                {"p": str(path), "n": variants},
            )
    finally:
        con.close()
    for manifest in dst.rglob("*Manifest.json"):
        data = json.loads(manifest.read_text())
        data["columns"] += [
            {"category": c.split("/", 1)[0], "name": c.split("/", 1)[-1], "type": "String"}
            for c in extra
        ]
        manifest.write_text(json.dumps(data, indent=2))
    done.write_text(json.dumps(stamp))
    return dst


def _header_gz(path: Path) -> list[str]:
    import gzip

    with gzip.open(path, "rt", newline="") as f:
        return next(csv.reader(f))
