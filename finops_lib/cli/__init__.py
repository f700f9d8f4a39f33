"""The ``finops`` command: one entry point, sub-commands per capability.

Expected failures (:class:`~finops_lib.errors.FinopsError`) print one line with a hint and exit
non-zero; a traceback is shown only with ``--debug``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from finops_lib.cli import alerts as alerts_cli
from finops_lib.cli import allocation as allocation_cli
from finops_lib.cli import aws, azure, demo, demo_run, focus, gcp, imports, report, serve, validate
from finops_lib.cli import deploy as deploy_cli
from finops_lib.cli import metabase as metabase_cli
from finops_lib.cli.common import State, console, err_console, from_caller
from finops_lib.config import load_settings
from finops_lib.errors import FinopsError

app = typer.Typer(
    name="finops",
    help="Open FinOps Stack: cloud billing exports to FOCUS, validated, reconciled, reported.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("import")(imports.import_cmd)
app.command("show-state")(imports.show_state)
app.add_typer(aws.app, name="aws")
app.add_typer(azure.app, name="azure")
app.add_typer(gcp.app, name="gcp")
app.add_typer(focus.app, name="focus")
app.add_typer(report.app, name="report")
app.add_typer(alerts_cli.app, name="alerts")
app.add_typer(allocation_cli.app, name="allocation")
app.add_typer(deploy_cli.app, name="deploy")
app.add_typer(metabase_cli.app, name="metabase")
app.command("validate")(validate.validate)
app.command("demo")(demo_run.demo)
app.command("app")(serve.serve)
app.command("generate")(demo.generate)


@app.callback()
def _global(
    ctx: typer.Context,
    database: Annotated[
        Path | None,
        typer.Option(
            "--database",
            envvar="OPEN_FINOPS_DATABASE",
            callback=from_caller,
            help="Warehouse DuckDB file (default: data/finops.duckdb).",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="OPEN_FINOPS_CONFIG",
            callback=from_caller,
            help="Config file (default: finops.toml when present).",
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    settings = load_settings(config)
    if database is not None:
        settings = settings.override("project", "database", str(database))
    ctx.obj = State(settings=settings, debug=debug)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and turn expected failures into one-line errors and exit codes.

    Typer raises its own (vendored) click exceptions: a usage error (unknown command or option, a
    missing or bad value) prints click's usage line and message and exits 2; ``typer.Exit`` from a
    command (e.g. ``validate`` failing) becomes the exit code.
    """
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        code = app(args=args, standalone_mode=False, prog_name="finops")
    except FinopsError as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.TyperException as exc:  # click's UsageError, NoSuchOption, BadParameter...
        show = getattr(exc, "show", None)
        if show is not None and exc.format_message():
            show()  # "Usage: finops ...", "Try 'finops --help' for help.", "Error: ..."
        elif show is None:
            print(f"error: {exc.format_message()}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    except Exception as exc:  # a bug, not bad input: say so in one line, trace with --debug
        if debug:
            raise
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        print(
            f"error: unexpected {type(exc).__name__}: {first} "
            "(hint: re-run with --debug for the traceback and report it)",
            file=sys.stderr,
        )
        return 1
    # standalone_mode=False hands back a command's ``typer.Exit`` code instead of raising it
    return code if isinstance(code, int) else 0


__all__ = ["app", "console", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
