# /// script
# [tool.marimo.opengraph]
# title = "Data quality and ingestion health"
# description = "Loads, rows per period, cost-column alignment."
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Data quality and ingestion health")

with app.setup:
    import marimo as mo

    from finops_lib import analysis as fa
    from finops_lib import charts
    from finops_lib.config import load_settings


@app.cell
def _():
    mo.md("""
    # Data quality and ingestion health: can we trust these numbers?

    What was loaded (`meta.load_state`: exports, periods, files, rows, last load), what the FOCUS
    table holds per provider, export, period and row kind, and rows of one period that break the
    expected cost-column ordering (list >= contracted >= effective) or miss key columns.
    """)
    return


@app.cell
def parameters():
    args = fa.widgets.cli_args()  # mo.cli_args(); under papermill values are injected below
    period = args.get("period") or ""
    return (period,)


@app.cell
def _(period):
    settings = load_settings()
    con = fa.open_readonly(settings)
    f = fa.make_filters(con, period or None)
    return con, f


@app.cell
def _(con):
    loads = fa.quality.load_state(con)
    mo.vstack([mo.md(f"## Loads\n\n{loads.message}"), fa.widgets.table(loads.frame)])
    return


@app.cell
def _(con):
    mo.vstack(
        [
            mo.md("## FOCUS rows per provider, export, period and row kind"),
            fa.widgets.table(fa.quality.rows_by_period(con)),
        ]
    )
    return


@app.cell
def _(con, f):
    alignment = fa.quality.cost_alignment(con, f)
    mo.vstack(
        [
            mo.md(f"## Cost-column alignment and key columns, {f.period}"),
            charts.show(
                charts.share_bars(alignment, "rule", "failing_share", "Share of rows failing")
            ),
            fa.widgets.table(alignment),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
