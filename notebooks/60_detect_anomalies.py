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
    # Anomalies and forecast: is anything unusual, and will we stay within budget?

    Daily effective cost of one billing period (default: the latest, even if incomplete). A day is an
    anomaly when its robust z-score against the 28 days before it, `(cost - median) / (1.4826 x MAD)`,
    reaches `[project].anomaly_threshold` (default 3); days with under 7 days of history are not
    scored. Forecast: month-to-date cost plus the mean of the last 7 days for each day left,
    against `[project].monthly_budget`.
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
    budget = args.get("budget") or ""
    return accounts, budget, period, providers, services, threshold


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
def _(budget, settings, threshold):
    z = float(threshold or settings.get("project", "anomaly_threshold"))
    limit = float(budget or settings.get("project", "monthly_budget"))
    return limit, z


@app.cell
def _(con, f, z):
    days = fa.anomalies.daily_anomalies(con, f, threshold=z)
    mo.vstack(
        [
            charts.show(charts.anomalies(days, threshold=z)),
            fa.widgets.table(days.filter(days["anomaly"])),
        ]
    )
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
