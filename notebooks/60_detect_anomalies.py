# /// script
# [tool.marimo.opengraph]
# title = "Anomalies and forecast"
# description = "Unusual days and the month-end forecast against budget."
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Anomalies and forecast")

with app.setup:
    import marimo as mo

    from finops_lib import analysis as fa
    from finops_lib import charts
    from finops_lib.config import load_settings


@app.cell
def _():
    mo.md("""
    # Anomalies and forecast: did a cost jump, and will we stay within budget?

    Usage anomalies of one billing period (default: the latest, even if incomplete), from
    `focus.cost_and_usage` in the published snapshot: usage charges only (ChargeCategory Usage,
    ChargeFrequency Usage-Based, no corrections), so purchases, monthly fees, taxes and credits
    never show up, nor a month's first day for its fees. Each provider, account and service (and
    each value of a virtual dimension, when built) is compared with the same weekday of the 8 weeks
    before (median, robust spread) and with the same day of the months before; a day is an anomaly
    when it rises by `[project].anomaly_threshold` spreads (default 5) and by at least the
    minimum impact (default 50 in the billing currency). The resources that drove it are named.
    Budgets, their forecasts and thresholds: the budgets report (65).
    """)
    return


@app.cell
def parameters():
    args = fa.widgets.cli_args()  # mo.cli_args(); under papermill values are injected below
    period = args.get("period") or ""
    providers = args.get("providers") or ""
    accounts = args.get("accounts") or ""
    services = args.get("services") or ""
    threshold = args.get("threshold") or ""
    min_impact = args.get("min_impact") or ""
    budget = args.get("budget") or ""
    return accounts, budget, min_impact, period, providers, services, threshold


@app.cell
def _(accounts, period, providers, services):
    settings = load_settings()
    con = fa.open_readonly(settings)
    base = fa.make_filters(con, period or None, providers, accounts, services, complete=False)
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
def _(budget, min_impact, settings, threshold):
    z = float(threshold or settings.get("project", "anomaly_threshold"))
    impact = float(min_impact or fa.anomalies.MIN_IMPACT)
    limit = float(budget or settings.get("project", "monthly_budget"))
    return impact, limit, z


@app.cell
def _(con, f, impact, z):
    found = fa.anomalies.usage_anomalies(con, f, threshold=z, min_impact=impact)
    days = fa.anomalies.usage_daily(con, f, found)
    mo.vstack(
        [
            charts.show(
                charts.anomalies(days, threshold=z).properties(
                    title=f"Daily usage cost {f.period}, days with an anomaly in red"
                )
            ),
            mo.md(
                f"**{found.height} anomal{'y' if found.height == 1 else 'ies'}** in {f.period}"
                f" (rise of at least {impact:,.0f} and {z:g} spreads), largest first:"
            ),
            fa.widgets.table(found),
        ]
    )
    return


@app.cell
def _(con, f):
    outside = fa.anomalies.outside_period(con, f)
    mo.vstack(
        [
            mo.md(f"### Charges of {f.period} dated outside it (corrections, time-zone edges)"),
            fa.widgets.table(outside),
        ]
    ) if outside.height else None
    return


@app.cell
def _(con, f, limit):
    outlook = fa.anomalies.forecast(con, f, budget=limit)
    mo.hstack(fa.cards.forecast_cards(outlook), justify="start", wrap=True)
    return


@app.cell
def _(con, f, limit):
    charts.show(charts.forecast(fa.anomalies.forecast_series(con, f), budget=limit))
    return


if __name__ == "__main__":
    app.run()
