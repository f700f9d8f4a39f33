"""`finops allocation` sub-commands: cost by virtual dimension, shared costs split in."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table

from finops_lib.cli.common import console, state
from finops_lib.errors import InputError

app = typer.Typer(
    help="Cost allocation: virtual dimensions and shared-cost split (allocation rules in finops.toml).",
    no_args_is_help=True,
)

FORMATS = ("table", "csv", "json")
MONEY = ("effective_cost", "billed_cost", "rule_cost", "shared_in", "default_cost")


@app.command("report")
def report(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option("--period", help="Billing period YYYY-MM (default: latest complete)."),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Virtual dimension (default: team, else the first by name)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """One row per value of a virtual dimension (per billing currency) with shared costs split in,
    and coverage: the share of EffectiveCost a rule or a shared split allocated."""
    from finops_lib import analysis as fa

    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    con = fa.open_readonly(state(ctx).settings)
    try:
        f = fa.make_filters(con, period)
        dims = fa.allocation.virtual_dimensions(con)
        dimension = by or fa.allocation.default_dimension(dims) or ""
        fa.allocation.check_dimension(con, dimension, f.period)
        frame = fa.allocation.allocation_report(con, f, dimension)
    finally:
        con.close()
    if fmt == "csv":
        sys.stdout.write(frame.write_csv())
    elif fmt == "json":
        print(json.dumps(_json(frame, f.period, dimension), indent=2))
    else:
        console.print(_table(frame, f.period, dimension))


def coverage(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Per billing currency: total EffectiveCost and the shares allocated by rules, split in from
    shared costs, and left on the default value."""
    out = []
    for cur in frame["billing_currency"].unique(maintain_order=True).to_list():
        part = frame.filter(pl.col("billing_currency") == cur)
        total = sum(part["effective_cost"], Decimal(0))
        rule = sum(part["rule_cost"], Decimal(0))
        shared = sum(part["shared_in"], Decimal(0))
        out.append(
            {
                "billing_currency": cur,
                "effective_cost": total,
                "by_rule": _share(rule, total),
                "shared": _share(shared, total),
                "unallocated": _share(total - rule - shared, total),
                "coverage": _share(rule + shared, total),
            }
        )
    return out


def _share(part: Decimal, total: Decimal) -> float:
    return float(part / total) if total else 0.0


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _json(frame: pl.DataFrame, period: str, dimension: str) -> dict[str, Any]:
    return {
        "period": period,
        "dimension": dimension,
        "coverage": [{k: _number(v) for k, v in c.items()} for c in coverage(frame)],
        "rows": [{k: _number(v) for k, v in row.items()} for row in frame.iter_rows(named=True)],
    }


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _table(frame: pl.DataFrame, period: str, dimension: str) -> Table:
    table = Table(title=f"Effective cost by {dimension}, {period} (shared costs split in)")
    table.add_column(dimension)
    table.add_column("currency")
    for col in MONEY:
        table.add_column(col, justify="right")
    table.add_column("share", justify="right")
    for row in frame.iter_rows(named=True):
        table.add_row(
            row["value"],
            row["billing_currency"],
            *(_money(row[c]) for c in MONEY),
            f"{row['share_of_total']:.1%}" if row["share_of_total"] is not None else "",
        )
    table.caption = "; ".join(
        f"{c['billing_currency']} {_money(c['effective_cost'])}: coverage {c['coverage']:.1%} "
        f"(rules {c['by_rule']:.1%}, shared split {c['shared']:.1%}, "
        f"unallocated {c['unallocated']:.1%})"
        for c in coverage(frame)
    )
    return table
