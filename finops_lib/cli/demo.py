"""`finops generate`: deterministic demo billing exports in the real AWS, Azure and GCP layouts."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from finops_lib.cli.common import console, from_caller
from finops_lib.errors import ConfigError

AZURE_FOLDER = "azure"  # the Azure container folder under the output
GCP_FOLDER = "gcp"  # the GCP extract (and its expected totals) under the output


def _cents(amount: str) -> str:
    """Show an exact decimal string rounded to the cent (the JSON keeps every digit)."""
    return f"{Decimal(amount):,.2f}"


def generate(
    output: Annotated[
        Path, typer.Option(help="Where the bucket roots are written.", callback=from_caller)
    ] = Path("data/demo-bucket"),
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
    provider: Annotated[
        str, typer.Option(help="Providers to write, comma separated: aws, azure, gcp.")
    ] = "aws,azure,gcp",
    azure_rows: Annotated[
        int, typer.Option(help="Azure usage rows per dataset across the months.")
    ] = 6_000,
    gcp_rows: Annotated[int, typer.Option(help="GCP usage rows across the months.")] = 2_000,
) -> None:
    """Write deterministic demo exports with their expected totals: AWS (CUR v1 and CUR 2.0 under
    OUTPUT/cur-v1, OUTPUT/cur-v2) and Azure Cost Management (EA, MCA and FocusCost datasets in a
    container folder, OUTPUT/azure) and a GCP detailed billing export extract (nested Parquet,
    OUTPUT/gcp)."""
    providers = tuple(p.strip() for p in provider.split(",") if p.strip())
    unknown = [p for p in providers if p not in ("aws", "azure", "gcp")]
    if unknown or not providers:
        raise ConfigError(
            f"unknown provider {unknown[0] if unknown else provider!r}",
            hint="use aws, azure and/or gcp",
        )
    flavours = tuple(flavour or ("v1", "v2"))
    if bad := [f for f in flavours if f not in ("v1", "v2")]:
        raise ConfigError(f"unknown flavour {bad[0]!r}", hint="use v1 or v2")
    periods = tuple(p.strip() for p in months.split(",") if p.strip())
    if "aws" in providers:
        _generate_aws(output, rows, seed, periods, flavours, rows_per_file)
    if "azure" in providers:
        _generate_azure(output / AZURE_FOLDER, azure_rows, seed, periods)
    if "gcp" in providers:
        _generate_gcp(output / GCP_FOLDER, gcp_rows, seed, periods)


def _generate_aws(
    output: Path,
    rows: int,
    seed: int,
    periods: tuple[str, ...],
    flavours: tuple[str, ...],
    rows_per_file: int,
) -> None:
    from finops_lib.demo import generate_aws

    start = time.perf_counter()
    restated = 0.9 if len(periods) else 0.0  # the older delivery of the last month
    expected_rows = int(rows * (1 + restated / max(1, len(periods)))) * len(flavours)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"rows for {', '.join(periods)}", total=expected_rows)
        result = generate_aws(
            output,
            rows=rows,
            seed=seed,
            months=periods,
            flavours=flavours,
            rows_per_file=rows_per_file,
            on_rows=lambda n: progress.advance(task, n),
        )
    table = Table(
        title=f"Expected totals (current deliveries), written in {time.perf_counter() - start:.1f} s"
    )
    for col in ("export", "period", "payer", "rows", "unblended", "amortized (CID)"):
        table.add_column(col, justify="right" if col not in ("export", "period") else "left")
    for fl, exp in result.expected.items():
        for period, t in exp["periods"].items():
            table.add_row(
                f"{exp['export_name']} ({fl})",
                period,
                t["payer_account_id"],
                f"{t['rows']:,}",
                _cents(t["unblended_cost"]),
                _cents(t["amortized_cost"]),
            )
    console.print(table)
    for fl, export in result.exports.items():
        console.print(
            f"{fl}: --bucket {export.root} --prefix {export.prefix} --export-name {export.name}"
        )


def _generate_azure(output: Path, rows: int, seed: int, periods: tuple[str, ...]) -> None:
    from finops_lib.demo import generate_azure

    start = time.perf_counter()
    with console.status(f"writing Azure exports for {', '.join(periods)}..."):
        result = generate_azure(output, rows=rows, seed=seed, months=periods)
    table = Table(
        title=f"Azure expected totals (latest runs), written in {time.perf_counter() - start:.1f} s"
    )
    for col in ("dataset", "period", "billing account", "currency", "rows", "billed", "effective"):
        table.add_column(col, justify="right" if col in ("rows", "billed", "effective") else "left")
    for name, ds in result.expected["datasets"].items():
        for period, t in ds["periods"].items():
            table.add_row(
                f"{name} ({ds['agreement']})",
                period,
                t["billing_account_id"].rsplit("/", 1)[-1],
                t["currency"],
                f"{t['rows']:,}",
                _cents(t["billed_cost"]),
                _cents(t["effective_cost"]),
            )
    console.print(table)
    for ds in result.datasets.values():
        flags = " ".join(f"--export-name {e}" for e in ds.exports)
        console.print(f"azure {ds.name}: finops azure import --container {ds.container} {flags}")


def _generate_gcp(output: Path, rows: int, seed: int, periods: tuple[str, ...]) -> None:
    from finops_lib.demo import generate_gcp

    start = time.perf_counter()
    with console.status(f"writing the GCP billing export extract for {', '.join(periods)}..."):
        result = generate_gcp(output, rows=rows, seed=seed, months=periods)
    table = Table(
        title=f"GCP expected totals (by invoice month), written in {time.perf_counter() - start:.1f} s"
    )
    for col in ("export", "period", "billing account", "rows", "cost", "credits", "effective"):
        table.add_column(
            col, justify="left" if col in ("export", "period", "billing account") else "right"
        )
    for period, t in result.expected["periods"].items():
        table.add_row(
            result.name,
            period,
            t["billing_account_id"],
            f"{t['rows']:,}",
            _cents(t["cost"]),
            _cents(t["credits"]),
            _cents(t["effective_cost"]),
        )
    console.print(table)
    console.print(f"gcp {result.name}: finops gcp import --extract {result.extract}")
