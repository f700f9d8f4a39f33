"""The Spark rendering of a CTE ``AS MATERIALIZED`` (finops_lib/engine/dialect.py, fix-up 6).

Its results on a real Spark are compared with DuckDB's in tests/spark/test_same_answers.py
(``gcp_billing``'s commitment pools); here, what the rendering hands the engine.
"""

from __future__ import annotations

import duckdb

from finops_lib.engine.dialect import materialised, to_spark

TEXT = """
with base as (select 1 as x union all select 2),
pool as materialized (select x, x * 10 as y from base where x > 0),
later as (select pool.x, pool.y from pool)
select later.x, p2.y from later join pool as p2 on later.x = p2.x
"""


def test_a_materialized_cte_becomes_one_checkpoint_the_query_reads_by_name() -> None:
    first, main = to_spark(TEXT)
    found = materialised(first)
    assert found is not None
    view, query = found
    assert view.startswith("pool_") and len(view) == len("pool_") + 10
    # the checkpointed query carries the CTEs before it, not those after
    assert "WITH base AS" in query and "later" not in query
    # the main query no longer defines the CTE and reads the view under the names it used
    assert "MATERIALIZED" not in main and "pool AS (" not in main
    assert f"FROM {view} AS pool" in main and f"JOIN {view} AS p2" in main
    assert materialised(main) is None


def test_the_view_name_differs_per_text_and_duckdb_runs_the_same_text() -> None:
    (other, _) = to_spark(TEXT.replace("x * 10", "x * 20"))
    assert materialised(other)[0] != materialised(to_spark(TEXT)[0])[0]  # type: ignore[index]
    con = duckdb.connect()
    assert sorted(con.execute(TEXT).fetchall()) == [(1, 10), (2, 20)]


def test_text_without_materialized_ctes_renders_as_before() -> None:
    (only,) = to_spark("with a as (select 1 as x) select * from a, a as b")
    assert materialised(only) is None and "WITH a AS" in only


def test_a_not_materialized_cte_is_an_ordinary_cte_on_spark() -> None:
    # DuckDB's hint to inline a CTE read twice; Spark has no such syntax (and always inlines)
    (only,) = to_spark("with a as not materialized (select 1 as x) select * from a, a as b")
    assert "MATERIALIZED" not in only.upper() and "WITH a AS (SELECT 1 AS x)" in only
    first, main = to_spark(
        "with a as not materialized (select 1 as x), p as materialized (select x from a) "
        "select * from a, p"
    )
    assert materialised(first) is not None
    assert "MATERIALIZED" not in (first + main).upper()
