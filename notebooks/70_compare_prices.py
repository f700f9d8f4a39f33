# /// script
# [tool.marimo.opengraph]
# title = "Usage and unit prices"
# description = "Consumed quantity vs cost, unit prices per SKU, purchases."
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Usage and unit prices")

with app.setup:
    import marimo as mo

    from finops_lib import analysis as fa
    from finops_lib import charts
    from finops_lib.config import load_settings


@app.cell
def _():
    mo.md("""
    # Usage and unit prices: are we paying the right price for what we use?

    Consumed quantity against effective cost per day for one consumed unit (default: the unit with
    the most cost), list / contracted / effective price per pricing unit for the costliest SKUs, and
    purchases, for one billing period of `focus.cost_and_usage`.
    """)
    return


@app.cell
def parameters():
    args = fa.widgets.cli_args()  # mo.cli_args(); under papermill values are injected below
    period = args.get("period") or ""
    providers = args.get("providers") or ""
    accounts = args.get("accounts") or ""
    services = args.get("services") or ""
    unit = args.get("unit") or ""
    return accounts, period, providers, services, unit


@app.cell
def _(accounts, period, providers, services):
    settings = load_settings()
    con = fa.open_readonly(settings)
    base = fa.make_filters(con, period or None, providers, accounts, services)
    return base, con


@app.cell
def _(base, con):
    bar = fa.widgets.filter_bar(con, base)
    return (bar,)


@app.cell
def _(bar, base):
    f = base.with_(**bar.value)
    fa.widgets.show_bar(bar, f)
    return (f,)


@app.cell
def _(con, f, unit):
    usage = fa.usage.usage_daily(con, f)
    picker = fa.widgets.choice(
        sorted(set(usage["consumed_unit"].to_list())),
        unit or fa.usage.top_unit(con, f),
        "Consumed unit",
    )
    fa.widgets.show_choice(picker)
    return picker, usage


@app.cell
def _(picker, usage):
    charts.show(charts.usage_vs_cost(usage, picker.value or ""))
    return


@app.cell
def _(con, f):
    mo.vstack(
        [
            mo.md("## Unit prices of the costliest SKUs"),
            fa.widgets.table(fa.usage.unit_prices(con, f)),
        ]
    )
    return


@app.cell
def _(con, f):
    mo.vstack([mo.md("## Purchases"), fa.widgets.table(fa.usage.purchases(con, f))])
    return


if __name__ == "__main__":
    app.run()
