# /// script
# [tool.marimo.opengraph]
# title = "Budgets"
# description = "Each budget's actual to date, forecast to period end and thresholds crossed."
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Budgets")

with app.setup:
    import marimo as mo

    from finops_lib import analysis as fa
    from finops_lib import budgets, charts
    from finops_lib.config import load_settings


@app.cell
def _():
    mo.md("""
    # Budgets: will each budget hold to the end of its month or quarter?

    Budgets as code (`[budgets.<name>]` in the config file, else the ones the last build recorded),
    measured on the effective cost of `focus.cost_and_usage` (exact sums) of the rows each budget
    keeps (currency, providers, accounts, services, a virtual dimension value), for the period
    holding the chosen month (default: the latest in the data). Actual: the period's billing months
    up to the last charge day. Forecast to the period's end, weekday-aware: each remaining day adds
    the mean usage cost of its weekday over the 8 weeks before, and each month still to come adds
    the monthly fees of the last month. Read-only, from the published snapshot.
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
    found = budgets.configured(con, settings)
    month = period or budgets.latest_period(con)
    statuses = budgets.evaluate(con, found, month)
    return found, month, statuses


@app.cell
def _(found, month, statuses):
    over = [s for s in statuses if s.crossed]
    mo.md(
        f"**{len(found)} budget(s)** for the period holding {month}; "
        f"**{len(over)}** over a threshold: {', '.join(s.budget.name for s in over) or 'none'}."
        if found
        else "No budget is configured: add `[budgets.<name>]` tables to `finops.toml` "
        "(see `finops.example.toml`), or run `./finops demo` for example budgets."
    )
    return


@app.cell
def _(statuses):
    fa.widgets.table(budgets.table(statuses)) if statuses else None
    return


@app.cell
def _(statuses):
    mo.vstack(
        [
            charts.show(
                charts.forecast(budgets.path_frame(s), budget=float(s.budget.amount)).properties(
                    title=f"{s.budget.name} {s.period}: cumulative actual, forecast and budget"
                    f" ({s.budget.currency})"
                )
            )
            for s in statuses
        ]
    ) if statuses else None
    return


if __name__ == "__main__":
    app.run()
