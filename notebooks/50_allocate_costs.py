# /// script
# [tool.marimo.opengraph]
# title = "Cost allocation"
# description = "Cost by tag, tag coverage, untagged resources, chargeback."
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Cost allocation")

with app.setup:
    import marimo as mo

    from finops_lib import analysis as fa
    from finops_lib import charts
    from finops_lib.config import load_settings


@app.cell
def _():
    mo.md("""
    # Cost allocation: who owns the spend?

    Effective cost of one billing period by tag (`Tags` in `focus.cost_and_usage`; keys from
    `[project].tag_keys` or the `tag_keys` parameter), the share of cost carrying each key (tag
    coverage), the costliest resources with none of the keys, and a chargeback table of accounts by
    tag value.
    """)
    return


@app.cell
def parameters():
    args = fa.widgets.cli_args()  # mo.cli_args(); under papermill values are injected below
    period = args.get("period") or ""
    providers = args.get("providers") or ""
    accounts = args.get("accounts") or ""
    services = args.get("services") or ""
    tag_keys = args.get("tag_keys") or ""
    return accounts, period, providers, services, tag_keys


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
def _(con, f, settings, tag_keys):
    keys, keys_note = fa.allocation.choose_tag_keys(
        con, f, fa.split_list(tag_keys) or settings.get("project", "tag_keys")
    )
    key = fa.widgets.choice(keys, keys[0] if keys else None, "Tag key")
    mo.vstack([mo.md(keys_note), fa.widgets.show_choice(key)])
    return key, keys


@app.cell
def _(con, f, keys):
    charts.show(
        charts.share_bars(
            fa.allocation.tag_coverage(con, f, keys),
            "tag_key",
            "coverage",
            "Tag coverage (share of effective cost)",
        )
    )
    return


@app.cell
def _(con, f, key):
    by_tag = fa.allocation.cost_by_tag(con, f, key.value)
    mo.vstack(
        [
            charts.show(
                charts.ranked_bars(
                    by_tag, category="tag_value", title=f"Effective cost by {key.value}"
                )
            ),
            fa.widgets.table(by_tag),
        ]
    )
    return


@app.cell
def _(con, f, keys):
    mo.vstack(
        [
            mo.md("## Top untagged resources"),
            fa.widgets.table(fa.allocation.untagged_resources(con, f, keys)),
        ]
    )
    return


@app.cell
def _(con, f, key):
    mo.vstack(
        [
            mo.md(f"## Chargeback: accounts by {key.value}"),
            fa.widgets.table(fa.allocation.chargeback(con, f, key.value)),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
