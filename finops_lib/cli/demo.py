"""`finops generate`: deterministic demo billing exports in the real AWS layouts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from finops_lib.cli.common import console
from finops_lib.errors import ConfigError


def generate(
    output: Annotated[Path, typer.Option(help="Where the bucket roots are written.")] = Path(
        "data/demo-bucket"
    ),
    rows: Annotated[int, typer.Option(help="Usage rows in total across the months.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bytes).")] = 7,
    months: Annotated[
        str, typer.Option(help="Billing periods, comma separated.")
    ] = "2026-08,2026-09,2026-10",
    flavour: Annotated[
        list[str] | None, typer.Option(help="v1 (CUR v1 CSV.gz) and/or v2 (CUR 2.0 parquet).")
    ] = None,
    rows_per_file: Annotated[
        int, typer.Option(help="Split deliveries past this many rows.")
    ] = 1_000_000,
) -> None:
    """Write deterministic demo AWS exports (CUR v1 and CUR 2.0) with their expected totals."""
    from finops_lib.demo import generate_aws

    flavours = tuple(flavour or ("v1", "v2"))
    if bad := [f for f in flavours if f not in ("v1", "v2")]:
        raise ConfigError(f"unknown flavour {bad[0]!r}", hint="use v1 or v2")
    periods = tuple(p.strip() for p in months.split(",") if p.strip())
    start = time.perf_counter()
    with console.status(f"generating {rows:,} usage rows for {', '.join(periods)}..."):
        result = generate_aws(
            output,
            rows=rows,
            seed=seed,
            months=periods,
            flavours=flavours,
            rows_per_file=rows_per_file,
        )
    table = Table(
        title=f"Expected totals (current deliveries), written in {time.perf_counter() - start:.1f} s"
    )
    for col in ("export", "period", "payer", "rows", "unblended", "amortized (CID)"):
        table.add_column(col)
    for fl, exp in result.expected.items():
        for period, t in exp["periods"].items():
            table.add_row(
                f"{exp['export_name']} ({fl})",
                period,
                t["payer_account_id"],
                f"{t['rows']:,}",
                t["unblended_cost"],
                t["amortized_cost"],
            )
    console.print(table)
    for fl, export in result.exports.items():
        console.print(
            f"{fl}: --bucket {export.root} --prefix {export.prefix} --export-name {export.name}"
        )
