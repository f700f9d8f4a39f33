# /// script
# [tool.marimo.opengraph]
# title = "Rate optimisation"
# description = "Commitment utilisation and coverage, per commitment, chargeback, spot usage."
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Rate optimisation")

with app.setup:
    import marimo as mo

    from finops_lib import analysis as fa
    from finops_lib import charts
    from finops_lib.config import load_settings


@app.cell
def _():
    mo.md("""
    # Rate optimisation: are our commitments used, and how much usage do they cover?

    Savings plans and reservations (FOCUS `CommitmentDiscount*` columns) in one billing period:
    utilisation = used / (used + unused) commitment cost; coverage = commitment-covered usage /
    (covered + on-demand usage) per service category; one row per commitment; commitments whose
    charges stop before the end of the data (ended or lapsing); who benefits (chargeback); spot and
    preemptible usage, its share of compute and its savings against the list price.
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
    usage = fa.rates.utilisation(con, f)
    mo.hstack(fa.cards.utilisation_cards(usage), justify="start", wrap=True)
    return


@app.cell
def _(con, f):
    mo.hstack(
        [
            charts.show(
                charts.ranked_bars(
                    fa.rates.utilisation(con, f),
                    category="status",
                    title="Used vs unused commitment cost",
                    color="status",
                )
            ),
            charts.show(
                charts.share_bars(
                    fa.rates.coverage(con, f),
                    "service_category",
                    "coverage",
                    "Coverage by service category",
                    color="service_category",
                )
            ),
        ],
        wrap=True,
    )
    return


@app.cell
def _(con, f):
    mo.vstack([mo.md("## Commitments"), fa.widgets.table(fa.rates.commitments(con, f))])
    return


@app.cell
def _(con, f):
    mo.vstack(
        [
            mo.md("## Ended or lapsing (last charge before the end of the data)"),
            fa.widgets.table(fa.rates.last_seen(con, f)),
        ]
    )
    return


@app.cell
def _(con, f):
    mo.vstack(
        [
            mo.md("## Commitment chargeback by account"),
            fa.widgets.table(fa.rates.chargeback(con, f)),
        ]
    )
    return


@app.cell
def _():
    mo.md("""
    ## Spot and preemptible usage

    Usage priced at the providers' spare-capacity rates (FOCUS PricingCategory `Dynamic`: AWS EC2
    Spot, Azure Spot VMs, Google Cloud Spot / preemptible VMs): the share of compute usage
    (ServiceCategory `Compute`) it runs, and its savings against the list (on-demand) price,
    ListCost - EffectiveCost. Per provider and billing currency, then per account and service.
    """)
    return


@app.cell
def _(con, f):
    spot = fa.rates.spot_summary(con, f)
    mo.vstack(
        [
            charts.show(
                charts.ranked_bars(
                    spot,
                    category="provider",
                    value="savings",
                    title="Spot savings against list price",
                    color="provider",
                )
            )
            if spot.height
            else mo.md("No spot or preemptible usage in this period."),
            fa.widgets.table(spot),
        ]
    )
    return


@app.cell
def _(con, f):
    mo.vstack(
        [
            mo.md("### Spot usage by account and service"),
            fa.widgets.table(fa.rates.spot_usage(con, f)),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
