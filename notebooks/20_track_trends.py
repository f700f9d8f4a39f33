# /// script
# [tool.marimo.opengraph]
# title = "Trends and top movers"
# description = "Monthly cost by dimension, biggest movers, top resources."
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Trends and top movers")

with app.setup:
    import marimo as mo

    from finops_lib import analysis as fa
    from finops_lib import charts
    from finops_lib.config import load_settings


@app.cell
def _():
    mo.md("""
    # Trends and top movers: where is spend growing or shrinking?

    Monthly effective cost for the last twelve billing periods by a dimension of your choice, the
    values that moved most against the previous period (in $ and %), and the top 20 resources, from
    `focus.cost_and_usage` via `marts.daily_cost`.
    """)
    return


@app.cell
def parameters():
    args = fa.widgets.cli_args()  # mo.cli_args(); under papermill values are injected below
    period = args.get("period") or ""
    providers = args.get("providers") or ""
    accounts = args.get("accounts") or ""
    services = args.get("services") or ""
    return accounts, period, providers, services


@app.cell
def _(accounts, period, providers, services):
    settings = load_settings()
    con = fa.open_readonly(settings)
    base = fa.make_filters(con, period or None, providers, accounts, services)
    return base, con, settings


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
def _():
    dimension = fa.widgets.choice(
        ["service_category", "service", "account", "region", "provider"],
        "service_category",
        "Group by",
    )
    fa.widgets.show_choice(dimension)
    return (dimension,)


@app.cell
def _(con, dimension, f):
    charts.show(
        charts.monthly_stacked(
            fa.cost.monthly_by(con, f, dimension.value),
            title="Monthly effective cost",
            palette=dimension.value,
        )
    )
    return


@app.cell
def _(con, dimension, f):
    movers = fa.cost.top_movers(con, f, dimension.value)
    mo.vstack(
        [
            charts.show(charts.change_bars(movers, title=f"Top movers vs {f.previous}")),
            fa.widgets.table(movers),
        ]
    )
    return


@app.cell
def _(con, f):
    mo.vstack(
        [mo.md("## Top 20 resources"), fa.widgets.table(fa.cost.top_resources(con, f, limit=20))]
    )
    return


if __name__ == "__main__":
    app.run()
