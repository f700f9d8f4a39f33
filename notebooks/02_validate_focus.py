# /// script
# [tool.marimo.opengraph]
# title = "Validate FOCUS data"
# description = "FOCUS conformance checks and reconciliation with the source bills."
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Validate FOCUS data")

with app.setup:
    import marimo as mo

    from finops_lib import analysis as fa
    from finops_lib.config import load_settings


@app.cell
def _():
    mo.md("""
    # Validate: does the FOCUS table conform, and does it add up to the source bills?

    Conformance results of `focus.cost_and_usage` against the FOCUS rules (`finops_lib.checks`), and
    the reconciliation of FOCUS totals with the totals measured while reading the source files
    (`meta.source_totals`, via `finops_lib.reconcile`). Read-only, from the published snapshot.
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
def _(con, f):
    checks = fa.quality.conformance(con, f.period)
    mo.vstack([mo.md(f"## Conformance\n\n{checks.message}"), fa.widgets.table(checks.frame)])
    return


@app.cell
def _(con):
    totals = fa.quality.reconciliation(con)
    mo.vstack([mo.md(f"## Reconciliation\n\n{totals.message}"), fa.widgets.table(totals.frame)])
    return


if __name__ == "__main__":
    app.run()
