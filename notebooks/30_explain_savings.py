# /// script
# [tool.marimo.opengraph]
# title = "Charges and savings"
# description = "List to contracted to effective cost, effective savings rate, credits."
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Charges and savings")

with app.setup:
    import marimo as mo

    from finops_lib import analysis as fa
    from finops_lib import charts
    from finops_lib.config import load_settings


@app.cell
def _():
    mo.md("""
    # Charges and savings: what do discounts and commitments save us?

    Usage charges of one billing period from list cost (public prices) to contracted cost
    (negotiated rates) to effective cost (after commitments, amortised). Effective savings rate =
    (list - effective) / list. Below: every charge category (usage, purchases, credits, refunds,
    tax) with effective and billed cost.
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
    savings = fa.cost.savings(con, f)
    mo.hstack(fa.cards.savings_cards(savings), justify="start", wrap=True)
    return


@app.cell
def _(con, f):
    charts.show(charts.savings_steps(fa.cost.savings_steps(con, f)))
    return


@app.cell
def _(con, f):
    by_category = fa.cost.charge_categories(con, f)
    mo.vstack(
        [
            charts.show(
                charts.ranked_bars(
                    by_category,
                    category="charge_category",
                    title="Effective cost by charge category",
                    color="provider",
                )
            ),
            fa.widgets.table(by_category),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
