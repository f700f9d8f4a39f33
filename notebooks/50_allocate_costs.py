# /// script
# [tool.marimo.opengraph]
# title = "Cost allocation"
# description = "Cost by tag and by virtual dimension, coverage, shared costs split, chargeback."
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
    tag value. Then the virtual dimensions of `[allocation]` (`marts.cost_allocation`, applied at
    every build): how much of the cost their rules allocate, chargeback by value with shared costs
    split in, and what stays unallocated.
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
    dimension = args.get("dimension") or ""
    return accounts, dimension, period, providers, services, tag_keys


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


@app.cell
def _(con, dimension, f):
    dims = fa.allocation.virtual_dimensions(con)
    coverage = fa.allocation.allocation_coverage(con, f)
    dim = fa.widgets.choice(
        sorted(dims), dimension or fa.allocation.default_dimension(dims), "Dimension"
    )
    mo.vstack(
        [
            mo.md("## Virtual dimensions: allocation coverage"),
            mo.md(
                "Share of effective cost a rule allocated or a shared-cost rule split across "
                "values; the rest stays on the dimension's default (`unallocated`)."
                if dims
                else "No virtual dimension is configured: add `[allocation.dimensions.<name>]` "
                "rules to `finops.toml` (see `finops.example.toml`) and run `finops focus build`."
            ),
            charts.show(
                charts.share_bars(coverage, "label", "coverage", "Allocation coverage by dimension")
            )
            if coverage.height
            else mo.md(""),
            fa.widgets.table(coverage.drop("label")) if coverage.height else mo.md(""),
            fa.widgets.show_choice(dim) if dims else mo.md(""),
        ]
    )
    return (dim,)


@app.cell
def _(con, dim, f):
    report = fa.allocation.allocation_report(con, f, dim.value) if dim.value else None
    mo.vstack(
        [
            mo.md(f"## Chargeback by {dim.value}, shared costs split in"),
            charts.show(
                charts.ranked_bars(
                    report,
                    category="value",
                    title=f"Effective cost by {dim.value}",
                    color="billing_currency",
                )
            ),
            fa.widgets.table(fa.allocation.dimension_chargeback(con, f, dim.value)),
            fa.widgets.table(report),
        ]
    ) if report is not None and report.height else mo.md("")
    return


@app.cell
def _(con, dim, f):
    mo.vstack(
        [
            mo.md(f"## What stays unallocated in {dim.value}"),
            fa.widgets.table(fa.allocation.unallocated(con, f, dim.value)),
        ]
    ) if dim.value else mo.md("")
    return


if __name__ == "__main__":
    app.run()
