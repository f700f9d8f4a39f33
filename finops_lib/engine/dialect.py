"""Render the DuckDB SQL of ``queries/`` for Spark SQL: sqlglot plus a short list of fix-ups.

``queries/`` is written for DuckDB and stays the single source of the FOCUS logic. sqlglot
(``read="duckdb", write="spark"``) translates almost all of it; what it translates wrongly, and
what Spark's session catalog does not accept, is fixed here on the parsed tree. The fix-ups, each
found by running the files on both engines (tests/spark/test_same_answers.py):

1. ``CREATE OR REPLACE TABLE t AS`` -> ``DROP TABLE IF EXISTS t`` + ``CREATE TABLE t USING parquet
   AS``: Spark's built-in catalog replaces only v2 tables and needs a storage format.
2. ``CAST(x AS JSON)`` -> ``CAST(x AS STRING)``: sqlglot writes ``TO_JSON(x)``, which turns JSON
   text into a quoted JSON string (silently different); JSON is kept as text on Spark.
3. Regex replacement back-references ``\\1`` -> ``$1`` (Java's syntax; sqlglot keeps ``\\1``, a
   silent difference).
4. ``$name`` parameters become ``:name`` (sqlglot) and are bound by :func:`spark_args`.
5. ``strptime(x, ['f1', 'f2', ...])`` (the first format that parses) -> ``COALESCE(
   try_to_timestamp(x, 'f1'), ..., to_timestamp(x, 'fn'))``: sqlglot passes the list to Spark's
   ``to_timestamp``, which takes one format (text no format parses still fails, ANSI on).
6. ``WITH c AS MATERIALIZED (q)`` -> ``CACHE TABLE c_<digest> AS <q with the CTEs before it>``
   and the query reading ``c_<digest>``; :class:`~finops_lib.engine.spark.SparkEngine` runs that
   statement as a local checkpoint of ``q`` under that temp view name (:func:`materialised`).
   Spark inlines every reference to a deterministic CTE, so a wide CTE read by several later ones
   is planned, optimised and compiled once per read (and a cached view's plan, re-analysed from
   its text, never matches the cache); a checkpoint is computed once and read as a leaf. The
   digest (of the file's text) keeps two files' views apart. ``AS NOT MATERIALIZED`` (DuckDB's
   hint to inline a CTE read more than once, which Spark always does) is dropped.

Constructs with no faithful translation are not patched here: the SQL in ``queries/`` is written in
a form that runs the same on both (see /docs/SCALE.md "Portable SQL").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from functools import cache, partial
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from finops_lib.sql import safe_name

_BACKREF = re.compile(r"\\(\d)")
_LITERAL_LETTERS = re.compile(r"(%.)|([A-Za-z]+)")
_BY_NAME = re.compile(r"union\s+all\s+by\s+name", re.I)


def _json_path(value: exp.Expr, path: exp.Expr) -> exp.Expr:
    """``json_extract_string(value, 'path')`` parsed as DuckDB parses one path."""
    one = sqlglot.parse_one(f"json_extract_string(x, {path.sql(dialect='duckdb')})", read="duckdb")
    one.set("this", value.copy())
    return one


def _fix(node: exp.Expr) -> exp.Expr:
    """Fix-ups 2, 3, 5-9 on one node (see the module docstring)."""
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.JSON):
        return exp.cast(node.this, exp.DataType.build("string"))
    if isinstance(node, exp.DataType) and node.is_type(exp.DataType.Type.INT128):
        return exp.DataType.build("DECIMAL(38, 0)")  # HUGEINT: Spark has no 128-bit integer
    if isinstance(node, exp.RegexpReplace):
        repl = node.args.get("replacement")
        if isinstance(repl, exp.Literal) and repl.is_string:
            node.set("replacement", exp.Literal.string(_BACKREF.sub(r"$\1", repl.this)))
    if isinstance(node, exp.RegexpLike):
        flag = node.args.get("flag")
        pattern = node.expression
        if isinstance(flag, exp.Literal) and isinstance(pattern, exp.Literal):
            if flag.this == "i":
                node.set("expression", exp.Literal.string("(?i)" + pattern.this))
                node.set("flag", None)
    if isinstance(node, exp.JSONExtractScalar) and isinstance(node.expression, exp.DPipe):
        key = _quoted_key(node.expression)
        if key is not None:
            # '$."' || escaped(k) || '"': Spark's get_json_object takes no computed path (it
            # silently returns NULL); read the object as a map of text instead
            parsed = exp.Anonymous(
                this="from_json",
                expressions=[node.this.copy(), exp.Literal.string("map<string,string>")],
            )
            return exp.Anonymous(this="try_element_at", expressions=[parsed, key.copy()])
    if isinstance(node, exp.JSONExtractScalar) and isinstance(node.expression, exp.Array):
        return exp.Array(
            expressions=[_json_path(node.this, p) for p in node.expression.expressions]
        )
    if isinstance(node, exp.RegexpExtract) and isinstance(node.args.get("group"), exp.Array):
        # DuckDB regexp_extract(s, p, ['a', 'b']) = a struct of the named groups
        names = node.args["group"].expressions
        fields: list[exp.Expr] = []
        for i, name in enumerate(names, start=1):
            fields += [
                name.copy(),
                exp.RegexpExtract(
                    this=node.this.copy(),
                    expression=node.expression.copy(),
                    group=exp.Literal.number(i),
                ),
            ]
        struct = exp.Anonymous(this="named_struct", expressions=fields)
        return exp.Case(
            ifs=[
                exp.If(this=exp.Is(this=node.this.copy(), expression=exp.Null()), true=exp.Null())
            ],
            default=struct,
        )
    if isinstance(node, exp.Left) and isinstance(node.expression, exp.Neg):
        # DuckDB: left(s, -n) = all but the last n characters; Spark gives ''
        text = node.this
        return exp.Substring(
            this=text.copy(),
            start=exp.Literal.number(1),
            length=exp.Sub(this=exp.Length(this=text.copy()), expression=node.expression.this),
        )
    if (
        isinstance(node, exp.GroupConcat)
        and isinstance(node.this, exp.Order)
        and isinstance(node.this.this, exp.Distinct)
        and len(node.this.this.expressions) == 1
        and [o.this for o in node.this.expressions] == node.this.this.expressions
    ):
        # string_agg(distinct x, sep order by x): Spark 4.3's listagg(distinct) within group
        # fails inside (ClassCastException); the sorted set of values joined is the same text
        value = node.this.this.expressions[0]
        sep = node.args.get("separator") or exp.Literal.string(",")
        joined = exp.Anonymous(
            this="array_join",
            expressions=[
                exp.Anonymous(
                    this="array_sort",
                    expressions=[exp.Anonymous(this="collect_set", expressions=[value.copy()])],
                ),
                sep.copy(),
            ],
        )
        return exp.Case(
            ifs=[
                exp.If(
                    this=exp.EQ(
                        this=exp.Count(this=value.copy()), expression=exp.Literal.number(0)
                    ),
                    true=exp.Null(),
                )
            ],
            default=joined,
        )
    if isinstance(node, exp.Try) and isinstance(node.this, exp.JSONType):
        return _json_type(node.this.this)
    if isinstance(node, exp.RegexpFullMatch) and isinstance(node.expression, exp.Literal):
        # DuckDB matches the whole text; Spark's rlike finds the pattern anywhere
        anchored = exp.Literal.string("^(?:" + node.expression.this + ")$")
        return exp.RegexpLike(this=node.this.copy(), expression=anchored)
    if isinstance(node, exp.Anonymous):
        name = str(node.this).lower()
        args = node.expressions
        if name == "json_valid" and len(args) == 1:
            path = exp.Literal.string("$")
            got = exp.Anonymous(this="get_json_object", expressions=[args[0].copy(), path])
            return exp.Paren(this=exp.Not(this=exp.Is(this=got, expression=exp.Null())))
        if name == "try" and len(args) == 1 and isinstance(args[0], exp.Anonymous):
            inner = args[0]
            if str(inner.this).lower() == "json_type" and len(inner.expressions) == 1:
                return _json_type(inner.expressions[0])
        if name == "json_merge_patch" and len(args) == 2:
            return _merge_patch(args[0], args[1])
        if name == "timezone" and len(args) == 2:
            # DuckDB timezone(zone, timestamp) = the instant of that wall time in that zone
            return exp.Anonymous(
                this="to_utc_timestamp", expressions=[args[1].copy(), args[0].copy()]
            )
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "to_json":
        return _to_json(node)
    if isinstance(node, exp.StrToTime) and isinstance(node.args.get("format"), exp.Array):
        return _first_format(node.this, node.args["format"].expressions)
    if isinstance(node, exp.TimeToStr) and isinstance(node.args.get("format"), exp.Literal):
        # letters outside DuckDB's %-codes are literal text; Spark needs them quoted
        fmt = node.args["format"].this
        if "'" not in fmt:
            quoted = _LITERAL_LETTERS.sub(lambda m: m.group(1) or f"'{m.group(2)}'", fmt)
            node.set("format", exp.Literal.string(quoted))
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        index = node.expressions[0]
        if isinstance(index, exp.Literal) and not index.is_string:
            # DuckDB: an index past the end is NULL; Spark (ANSI) raises unless try_element_at
            return exp.Anonymous(
                this="try_element_at",
                expressions=[node.this.copy(), exp.Literal.number(int(index.this) + 1)],
            )
    if isinstance(node, exp.Array) and len(node.expressions) == 1:
        comp = node.expressions[0]
        if isinstance(comp, exp.Comprehension):
            return _comprehension(comp)
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "list_sum":
        return _list_sum(node.expressions[0])
    if isinstance(node, exp.FromJson) and isinstance(node.expression, exp.Literal):
        text = node.expression.this
        if text.lstrip().startswith(("[", "{")):  # a DuckDB structure, not yet a Spark schema
            schema = _spark_schema(json.loads(text))
            node.set("expression", exp.Literal.string(schema))
    if isinstance(node, exp.Select):
        _replace_star(node)
    return node


def _to_json(node: exp.Anonymous) -> exp.Expr:
    """DuckDB ``to_json(x)`` of any value; Spark's takes only a struct, map or array. A map (or
    struct) is passed as it is; another value is wrapped in a one-field struct whose text is cut
    out with one ``regexp_extract``, so the value and ``to_json`` are evaluated once per row (a
    NULL value gives ``{}``, no match, ``''``: NULL, as DuckDB; no JSON text is empty)."""
    if len(node.expressions) != 1:  # already rendered (options given)
        return node
    value = node.expressions[0]
    if isinstance(value, (exp.MapFromEntries, exp.Map, exp.Struct)) or (
        isinstance(value, exp.Anonymous)
        and str(value.this).lower() in ("named_struct", "map_from_entries", "map_concat")
    ):
        return node
    options = exp.Anonymous(
        this="map", expressions=[exp.Literal.string("ignoreNullFields"), exp.Literal.string("true")]
    )
    wrapped = exp.Anonymous(
        this="to_json",
        expressions=[
            exp.Anonymous(this="named_struct", expressions=[exp.Literal.string("v"), value.copy()]),
            options,
        ],
    )
    cut = exp.RegexpExtract(
        this=wrapped, expression=exp.Literal.string('^[{]"v":(.*)[}]$'), group=exp.Literal.number(1)
    )
    return exp.Nullif(this=cut, expression=exp.Literal.string(""))


def _first_format(value: exp.Expr, formats: list[exp.Expr]) -> exp.Expr:
    """Fix-up 5: the first of ``formats`` that parses ``value``; the last one strict."""
    spark = Dialect.get_or_raise("spark").generator()
    tries: list[exp.Expr] = []
    for fmt in formats[:-1]:
        pattern = spark.format_time(exp.StrToTime(this=value.copy(), format=fmt.copy()))
        tries.append(
            exp.Anonymous(
                this="try_to_timestamp",
                expressions=[value.copy(), exp.Literal.string((pattern or "").strip("'"))],
            )
        )
    last = exp.StrToTime(this=value.copy(), format=formats[-1].copy())
    return exp.Coalesce(this=tries[0], expressions=[*tries[1:], last]) if tries else last


def _json_type(value: exp.Expr) -> exp.Expr:
    """DuckDB ``try(json_type(x))`` as far as the rules read it: 'OBJECT', 'ARRAY', another
    name for other JSON values, NULL for text that is not JSON (or JSON null)."""
    text = exp.Trim(this=value.copy())
    parsed = exp.Anonymous(
        this="get_json_object", expressions=[value.copy(), exp.Literal.string("$")]
    )
    return exp.Case(
        ifs=[
            exp.If(this=exp.Is(this=parsed, expression=exp.Null()), true=exp.Null()),
            exp.If(
                this=exp.Like(this=text, expression=exp.Literal.string("{%")),
                true=exp.Literal.string("OBJECT"),
            ),
            exp.If(
                this=exp.Like(this=text.copy(), expression=exp.Literal.string("[%")),
                true=exp.Literal.string("ARRAY"),
            ),
        ],
        default=exp.Literal.string("SCALAR"),
    )


def _quoted_key(path: exp.Expr) -> exp.Expr | None:
    """``k`` of a JSON path built as ``'$."' || replace(replace(k, ...), ...) || '"'``."""
    if not (isinstance(path.expression, exp.Literal) and path.expression.this == '"'):
        return None
    inner = path.this
    if not (
        isinstance(inner, exp.DPipe)
        and isinstance(inner.this, exp.Literal)
        and inner.this.this == '$."'
    ):
        return None
    key = inner.expression
    while isinstance(key, exp.Replace):  # the escaping of '\' and '"' for the path
        key = key.this
    return key


def _merge_patch(target: exp.Expr, patch: exp.Expr) -> exp.Expr:
    """DuckDB ``json_merge_patch(a, b)`` of two flat objects of text values (labels, tags): a's
    keys that b lacks, in a's order, then b's keys, as DuckDB orders them."""
    text_map = exp.Literal.string("map<string,string>")

    def parsed(e: exp.Expr) -> exp.Expr:
        return exp.Anonymous(this="from_json", expressions=[e.copy(), text_map.copy()])

    keep = exp.Lambda(
        this=exp.Not(
            this=exp.Anonymous(
                this="array_contains",
                expressions=[
                    exp.Anonymous(this="map_keys", expressions=[parsed(patch)]),
                    exp.column("k"),
                ],
            )
        ),
        expressions=[exp.to_identifier("k"), exp.to_identifier("v")],
    )
    merged = exp.Anonymous(
        this="map_concat",
        expressions=[
            exp.Anonymous(this="map_filter", expressions=[parsed(target), keep]),
            parsed(patch),
        ],
    )
    return exp.Anonymous(this="to_json", expressions=[merged])


def _spark_schema(structure: Any) -> str:
    """A DuckDB ``from_json`` structure (``[{"a": "VARCHAR"}]``) as a Spark schema string."""
    if isinstance(structure, list):
        return f"array<{_spark_schema(structure[0])}>"
    if isinstance(structure, dict):
        return "struct<" + ",".join(f"`{k}`:{_spark_schema(v)}" for k, v in structure.items()) + ">"
    return spark_type(str(structure)).lower()


def _lambda(var: exp.Expr, body: exp.Expr) -> exp.Lambda:
    return exp.Lambda(this=body.copy(), expressions=[exp.to_identifier(var.name)])


def _comprehension(comp: exp.Comprehension) -> exp.Expr:
    """``[expr for c in list if cond]`` -> ``transform(filter(list, c -> cond), c -> expr)``."""
    var, items = comp.expression, comp.args["iterator"].copy()
    cond = comp.args.get("condition")
    if cond is not None:
        items = exp.Anonymous(this="filter", expressions=[items, _lambda(var, cond)])
    body = comp.this
    if isinstance(body, exp.Column) and body.name == var.name and not body.table:
        return items
    return exp.Anonymous(this="transform", expressions=[items, _lambda(var, body)])


def _list_sum(items: exp.Expr) -> exp.Expr:
    """DuckDB ``list_sum(list)`` (NULL for an empty list, NULL items skipped) as Spark's
    ``aggregate``, typed by the list's element cast (exact with allowPrecisionLoss off)."""
    cast = items.find(exp.Cast)
    if cast is None:
        raise ValueError("list_sum is rendered for Spark only over a list of CAST values")
    typ = cast.to
    acc, x = exp.column("acc"), exp.column("x")
    step = exp.Case(
        ifs=[exp.If(this=exp.Is(this=x, expression=exp.Null()), true=acc)],
        default=exp.cast(
            exp.Add(
                this=exp.Coalesce(this=acc.copy(), expressions=[exp.Literal.number(0)]),
                expression=x.copy(),
            ),
            typ.copy(),
        ),
    )
    lam = exp.Lambda(this=step, expressions=[exp.to_identifier("acc"), exp.to_identifier("x")])
    start = exp.cast(exp.Null(), typ.copy())
    return exp.Anonymous(this="aggregate", expressions=[items.copy(), start, lam])


def _replace_star(select: exp.Select) -> None:
    """``* REPLACE (e AS c)`` -> ``* EXCEPT (c), e AS c`` (fix-up 4: the replaced columns move to
    the end; every reader here selects by name)."""
    out: list[exp.Expr] = []
    changed = False
    for item in select.expressions:
        star = item.this if isinstance(item, exp.Column) else item
        replace = star.args.get("replace") if isinstance(star, exp.Star) else None
        if isinstance(star, exp.Star) and replace:
            star.set("replace", None)
            kept = list(star.args.get("except_") or [])
            star.set("except_", kept + [exp.column(a.alias) for a in replace])
            out.append(item)
            out.extend(replace)
            changed = True
        else:
            out.append(item)
    if changed:
        select.set("expressions", out)


def _by_name(union: exp.Union, columns: Callable[[str], list[str]]) -> exp.Expr:
    """``SELECT * FROM t UNION ALL BY NAME SELECT CAST(NULL AS type) AS c, ...`` (the staging
    views' "every column exists" guard) -> one ``SELECT`` of t's columns, a column in both cast to
    the guard's type (as DuckDB's union type), the guard's other columns as typed NULLs (fix-up 5).
    """
    left, right = union.this, union.expression
    table = left.find(exp.Table) if isinstance(left, exp.Select) else None
    if (
        table is None
        or not isinstance(right, exp.Select)
        or [type(e) for e in left.expressions] != [exp.Star]
    ):
        raise ValueError("UNION ALL BY NAME is rendered for Spark only as a typed-NULL guard")
    guard: dict[str, exp.Expr] = {}
    for e in right.expressions:
        guard[e.alias_or_name.lower()] = e.this if isinstance(e, exp.Alias) else e
    have = columns(exp.table_name(table))
    exprs: list[exp.Expr] = []
    for c in have:
        g = guard.pop(c.lower(), None)
        col = exp.column(c, quoted=True)
        if isinstance(g, exp.Cast):
            exprs.append(exp.alias_(exp.cast(col, g.to.copy()), c, quoted=True))
        else:
            exprs.append(col)
    for e in right.expressions:
        if e.alias_or_name.lower() in guard:
            exprs.append(e.copy())
    return exp.select(*exprs).from_(table.copy())


def _statements(tree: exp.Expr) -> list[exp.Expr]:
    """One statement, or two for a ``CREATE OR REPLACE TABLE ... AS`` (fix-up 1)."""
    if isinstance(tree, exp.Create) and tree.kind == "TABLE" and tree.args.get("replace"):
        target = tree.this if isinstance(tree.this, exp.Table) else tree.this.this
        drop = exp.Drop(tables=[target.copy()], kind="TABLE", exists=True)
        tree.set("replace", False)
        props = tree.args.get("properties") or exp.Properties(expressions=[])
        if not any(isinstance(p, exp.FileFormatProperty) for p in props.expressions):
            props.append("expressions", exp.FileFormatProperty(this=exp.var("parquet")))
        tree.set("properties", props)
        return [drop, tree]
    return [tree]


def _materialised(tree: exp.Expr, digest: str) -> list[str]:
    """Fix-up 6: the Spark statements caching each ``AS MATERIALIZED`` CTE of ``tree`` (taken
    out of its ``WITH``, its readers renamed to the cached view), and ``AS NOT MATERIALIZED``
    dropped; ``tree`` is changed in place."""
    with_ = tree.args.get("with_")
    if not isinstance(with_, exp.With):
        return []
    for cte in with_.expressions:
        if cte.args.get("materialized") is False:  # AS NOT MATERIALIZED: Spark inlines anyway
            cte.set("materialized", None)
    if not any(c.args.get("materialized") for c in with_.expressions):
        return []
    out: list[str] = []
    kept: list[exp.CTE] = []
    renamed: dict[str, str] = {}

    def rename(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Table) and not node.args.get("db") and node.name in renamed:
            return exp.to_table(renamed[node.name]).as_(node.alias_or_name)
        return node

    for cte in with_.expressions:
        body = cte.this.transform(rename)
        if not cte.args.get("materialized"):
            cte.set("this", body)
            kept.append(cte)
            continue
        view = safe_name(f"{cte.alias}_{digest}")
        if kept:
            body.set("with_", exp.With(expressions=[c.copy() for c in kept]))
        out.append(f"CACHE TABLE {view} AS {body.sql(dialect='spark')}")
        renamed[cte.alias] = view
    with_.set("expressions", kept)
    if not kept:
        tree.set("with_", None)
    for key, value in list(tree.args.items()):
        if key != "with_" and isinstance(value, exp.Expr):
            tree.set(key, value.transform(rename))
        elif key != "with_" and isinstance(value, list):
            tree.set(key, [v.transform(rename) if isinstance(v, exp.Expr) else v for v in value])
    return out


_CACHE_AS = re.compile(r"CACHE TABLE ([A-Za-z_][A-Za-z0-9_]*) AS (.*)", re.S)


def materialised(statement: str) -> tuple[str, str] | None:
    """``(view, query)`` when a rendered statement is a fix-up 6 ``CACHE TABLE view AS query``."""
    found = _CACHE_AS.fullmatch(statement)
    return (found.group(1), found.group(2)) if found else None


def _guard(node: exp.Expr, columns: Callable[[str], list[str]]) -> exp.Expr:
    if isinstance(node, exp.Union) and node.args.get("by_name"):
        return _by_name(node, columns)
    return node


def to_spark(text: str, columns: Callable[[str], list[str]] | None = None) -> tuple[str, ...]:
    """The Spark SQL statements of one DuckDB SQL text (a file may hold several).

    ``columns`` names a table's columns (``"raw_aws.cur"`` -> names); it is needed only by a text
    with ``UNION ALL BY NAME`` (fix-up 5).
    """
    if columns is None or not _BY_NAME.search(text):
        return _to_spark(text)
    return _render(text, columns)


@cache
def _to_spark(text: str) -> tuple[str, ...]:
    return _render(text, None)


def _render(text: str, columns: Callable[[str], list[str]] | None) -> tuple[str, ...]:
    out: list[str] = []
    digest = hashlib.sha1(text.encode()).hexdigest()[:10]
    for tree in sqlglot.parse(text, read="duckdb"):
        if tree is None:
            continue
        if columns is not None:
            tree = tree.transform(partial(_guard, columns=columns))
        # a replaced node's children are not visited again: repeat until nothing changes
        before = None
        while before != (now := tree.sql(dialect="duckdb")):
            before = now
            tree = tree.transform(_fix)
        out.extend(_materialised(tree, digest))
        out.extend(s.sql(dialect="spark") for s in _statements(tree))
    return tuple(out)


def spark_type(duckdb_type: str) -> str:
    """A DuckDB column type as Spark SQL names it (JSON is text, TIMESTAMPTZ is Spark's UTC
    TIMESTAMP)."""
    return exp.DataType.build(
        "VARCHAR" if duckdb_type.upper() == "JSON" else duckdb_type, dialect="duckdb"
    ).sql(dialect="spark")


#: Spark type names as DuckDB's ``information_schema`` writes them (for the type checks).
_DUCKDB_NAMES = {
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "int": "INTEGER",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "timestamp_ntz": "TIMESTAMP",
}


def duckdb_type_name(spark_simple: str) -> str:
    """A Spark ``simpleString`` type as DuckDB names it (``decimal(38,10)`` -> ``DECIMAL(38,10)``,
    ``array<string>`` -> ``VARCHAR[]``)."""
    if spark_simple.startswith("array<") and spark_simple.endswith(">"):
        return duckdb_type_name(spark_simple[6:-1]) + "[]"
    return _DUCKDB_NAMES.get(spark_simple, spark_simple.upper())
