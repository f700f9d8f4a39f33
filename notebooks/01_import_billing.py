# /// script
# [tool.marimo.opengraph]
# title = "Import billing data"
# description = "Load the latest billing exports and see what is loaded."
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Import billing data")

with app.setup:
    import marimo as mo

    from finops_lib import analysis as fa
    from finops_lib import pipeline
    from finops_lib.config import load_settings


@app.cell
def _():
    mo.md("""
    # Import: what is loaded, and can I fetch the latest exports?

    Shows every loaded export and billing period (`meta.load_state`: files, rows, when). The button
    imports every configured export of every provider (`finops.toml`), rebuilds
    `focus.cost_and_usage` and the marts, republishes the snapshot the other pages read, and lists
    each period it loaded (provider, export, rows, delivery id) or skipped as already loaded. This
    is the only page that writes or uses the network, and only when you press the button.
    """)
    return


@app.cell
def parameters():
    args = fa.widgets.cli_args()  # mo.cli_args(); under papermill values are injected below
    config = args.get("config") or ""
    return (config,)


@app.cell
def _(config):
    settings = load_settings(config or None)
    run = mo.ui.run_button(label="Import now", kind="success")
    run
    return run, settings


@app.cell
def _(run, settings):
    mo.stop(not run.value, mo.md("Press **Import now** to fetch and load the latest exports."))
    with mo.status.spinner(title="Importing...") as spinner:
        outcome = fa.ingest.run_import(settings, pipeline.import_all, progress=spinner.update)
    mo.vstack([mo.md(outcome.message), fa.widgets.table(outcome.frame)])
    return (outcome,)


@app.cell
def _(run, settings):
    state = fa.ingest.current_state(settings)
    mo.vstack([mo.md(f"## Loaded exports\n\n{state.message}"), fa.widgets.table(state.frame)])
    return


if __name__ == "__main__":
    app.run()
