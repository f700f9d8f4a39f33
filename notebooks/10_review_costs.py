# /// script
# [tool.marimo.opengraph]
# title = "Cost overview"
# description = "This month vs last month, daily trend, top accounts, services, regions, providers."
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Cost overview")

with app.setup:
    import marimo as mo

    from finops_lib import analysis as fa
    from finops_lib import charts
    from finops_lib.config import load_settings


@app.cell
def _():
    mo.md("""
    # Cost overview: what did we spend, where, and what changed?

    Effective cost (amortised, after discounts) from `focus.cost_and_usage` for one billing period
    (default: the latest complete one) against the period before: daily trend, top accounts,
    services, regions and providers, and how fresh the data is. Read-only, from the published snapshot.
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
def _(con, f):
    mo.md(fa.cost.headline(con, f))
    return


@app.cell
def _(con, f):
    kpis = fa.cost.kpis(con, f)
    mo.hstack(fa.cards.kpi_cards(kpis), justify="start", wrap=True)
    return


@app.cell
def _(con, f):
    # days inside the period only; its charges dated outside it are listed apart below
    charts.show(charts.daily_cost(fa.cost.daily_cost(con, f), color="provider"))
    return


@app.cell
def _(con, f):
    outside = fa.anomalies.outside_period(con, f)
    mo.vstack(
        [
            mo.md(
                f"### Charges of {f.period} dated outside it\n\nCorrections of an earlier month"
                " and charges on a provider's time-zone edge: part of the period's total, not"
                " of its daily chart."
            ),
            fa.widgets.table(outside),
        ]
    ) if outside.height else None
    return


@app.cell
def _(con, f):
    mo.hstack(
        [
            charts.show(
                charts.ranked_bars(fa.cost.cost_by(con, f, "account"), title="Top accounts")
            ),
            charts.show(
                charts.ranked_bars(fa.cost.cost_by(con, f, "service"), title="Top services")
            ),
        ],
        wrap=True,
    )
    return


@app.cell
def _(con, f):
    mo.hstack(
        [
            charts.show(charts.ranked_bars(fa.cost.cost_by(con, f, "region"), title="Top regions")),
            charts.show(
                charts.ranked_bars(
                    fa.cost.cost_by(con, f, "provider"), title="Providers", palette="provider"
                )
            ),
        ],
        wrap=True,
    )
    return


@app.cell
def _(con, f):
    charts.show(
        charts.change_bars(
            fa.cost.top_movers(con, f, "service", limit=8),
            title=f"Biggest changes by service vs {f.previous}",
        )
    )
    return


@app.cell
def _(con):
    mo.vstack(
        [
            mo.md("## Data freshness (last charge per provider and export)"),
            fa.widgets.table(fa.cost.freshness(con)),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
