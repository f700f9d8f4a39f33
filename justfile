# Open FinOps Stack task runner. Every recipe calls the same ./finops launcher a new user runs.

# List the recipes
default:
    @just --list

# Create or refresh .venv from uv.lock (./finops does this on first use too)
setup:
    python3 -m uv sync --frozen || uv sync --frozen

# Run the whole demo: generate sample exports, import, build FOCUS, validate, render reports
demo:
    ./finops demo

# Run the whole test suite (what CI runs)
test *ARGS:
    ./finops test {{ARGS}}

# Lint and type-check the library, check the notebooks
lint:
    .venv/bin/ruff check finops_lib tests bench
    .venv/bin/ruff format --check finops_lib tests bench
    .venv/bin/mypy finops_lib
    .venv/bin/marimo check notebooks/

# Serve the notebooks as a read-only web app on 127.0.0.1
app *ARGS:
    ./finops app {{ARGS}}

# Render the static HTML reports (e.g. `just report --period 2026-09`)
report *ARGS:
    ./finops report render {{ARGS}}

# Run the benchmarks and update bench/RESULTS.md
bench *ARGS:
    .venv/bin/python -m bench {{ARGS}}
