"""DuckDB SQL that reads one Azure export file into the ``raw_azure`` shape.

The file handling (CSV streamed as Arrow strings with row numbers, parquet read directly, the
one-line error of a file that does not read) is the AWS reader's; what is Azure's is the column
normalisation (snake_case, aliases of the EA / MCA / older spellings) and the casts: exact
decimals, EA ``MM/DD/YYYY`` and ISO dates as UTC timestamps, the null spellings as NULL.
"""

from __future__ import annotations

from pathlib import Path

from finops_lib.errors import InputError
from finops_lib.sources.aws_cur.reader import (
    ARROW_VIEW,
    NULL_SPELLINGS,
    Plan,
    bad_file,
    focus_plan,
    is_parquet,
    relation,
    relation_params,
    row_number_sql,
    sql_literal,
)
from finops_lib.sources.aws_cur.tables import focus_types
from finops_lib.sources.azure_exports.helpers import column_targets, schema_of
from finops_lib.sources.azure_exports.settings import (
    CANONICAL_COLUMNS,
    DEC,
    REQUIRED_COLUMNS,
    TS,
    VC,
)
from finops_lib.sql import quote_ident

_NULLS = ", ".join(sql_literal(v) for v in NULL_SPELLINGS)
#: EA dates (``09/01/2023``, also ``9/1/2023``); anything else is read as ISO 8601.
_US_DATES = "['%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %I:%M:%S %p']"


def text_decimal(expr: str) -> str:
    """Text to ``DECIMAL(38,10)``, exactly (never through a float); the null spellings are NULL,
    other text that does not parse fails the file. A ``DECIMAL(18,10)`` try first: the wide parse
    is about ten times slower and the common amount fits the narrow one (see the AWS reader)."""
    checked = f"CAST(CASE WHEN {expr} IN ({_NULLS}) THEN NULL ELSE {expr} END AS {DEC})"
    return f"COALESCE(TRY_CAST({expr} AS DECIMAL(18,10)), CASE WHEN {expr} IS NOT NULL THEN {checked} END)"


def text_timestamp(expr: str) -> str:
    """Text to ``TIMESTAMPTZ`` in UTC: EA ``MM/DD/YYYY`` through ``strptime``, ISO 8601
    (``2023-09-01``, ``2023-09-01T00:00:00.0000000Z``) by cast (the warehouse session is UTC);
    the null spellings are NULL, other text fails the file."""
    return (
        f"CASE WHEN {expr} IS NULL OR {expr} IN ({_NULLS}) THEN NULL"
        f" WHEN {expr} LIKE '%/%' THEN timezone('UTC', strptime({expr}, {_US_DATES}))"
        f" ELSE CAST({expr} AS {TS}) END"
    )


def _typed(src: str, src_type: str, dst_type: str) -> str:
    """``src`` (a column of type ``src_type``) as ``dst_type``."""
    if src_type == "VARCHAR":
        if dst_type == DEC:
            return text_decimal(src)
        if dst_type == TS:
            return text_timestamp(src)
        return f"NULLIF({src}, '')"
    if dst_type == VC:
        return f"CAST({src} AS VARCHAR)"
    return f"CAST({src} AS {dst_type})"


def cost_plan(
    path: Path, columns: list[tuple[str, str]], label: str, meta: dict[str, object]
) -> Plan:
    """The plan loading an ActualCost / AmortizedCost file (EA or MCA) into ``raw_azure.cost``.

    Columns are renamed to snake_case with the aliases of :data:`settings.ALIASES`; canonical
    columns get their declared type, others are kept as VARCHAR (``Plan.extras``, added to the
    table on first sight). ``meta`` values become ``$x_*`` parameters; ``x_schema`` is set here
    from the header.

    Raises:
        InputError: the file lacks the cost, the date or the charge type.
    """
    names = [n for n, _ in columns]
    types = dict(columns)
    targets = column_targets(names)
    missing = [c for c in REQUIRED_COLUMNS if c not in targets.values()]
    if missing:
        raise InputError(
            f"{label} lacks required column(s) {', '.join(missing)}",
            hint="is it an ActualCost / AmortizedCost export (cost details)? check the dataset's type",
        )
    meta["x_schema"] = schema_of(names, targets)
    arrow = not is_parquet(path)  # CSV streams through Arrow as strings and is cast here
    parts: list[str] = []
    extras: dict[str, str] = {}
    for name, target in targets.items():
        src = quote_ident(name)
        canonical = CANONICAL_COLUMNS.get(target)
        if canonical is None:
            extras[target] = VC
        dst = canonical or VC
        expr = src if arrow and dst == VC else _typed(src, types[name], dst)
        parts.append(f"{expr} AS {quote_ident(target)}")
    parts += [f"CAST(${k} AS VARCHAR) AS {quote_ident(k)}" for k in meta]
    parts.append(f"{row_number_sql(path)} AS x_source_row")
    select = ",\n  ".join(parts)
    if arrow:
        return Plan(select, ARROW_VIEW, extras, arrow=path, columns=columns)
    return Plan(select, relation(path, numbered=True), extras, params=relation_params(path))


def azure_focus_plan(
    path: Path, columns: list[tuple[str, str]], label: str, meta: dict[str, object]
) -> Plan:
    """The plan loading a FocusCost file into ``raw_azure.focus``: FOCUS columns as delivered,
    typed as ``raw_aws.focus`` is (the AWS reader's FOCUS plan), other columns as VARCHAR.

    Raises:
        InputError: the file lacks BilledCost, BillingPeriodStart or ChargeCategory.
    """
    try:
        return focus_plan(path, columns, label, meta, focus_types())
    except InputError as exc:
        raise InputError(
            exc.message, hint="is it a FocusCost export? check the export's type"
        ) from None


def bad_blob(label: str, exc: Exception) -> InputError:
    """The one-line error for a blob that does not read: the AWS reader's reason, Azure's hint."""
    err = bad_file(label, exc)
    hint = (
        "the blob is corrupt or truncated; wait for the next export run (or remove it) and re-run"
    )
    if "Conversion Error" in err.message or "Could not parse" in err.message:
        hint = (
            "a value does not fit its column (amount or date); check the export's type and format"
        )
    return InputError(err.message, hint=hint)
