"""CUR v1 ``product/*``, ``resourceTags/*`` and ``costCategory/*`` columns packed into JSON text by
the import's Arrow stream (``reader.Pack``) give the same text, to the byte, as the SQL pack that
``finops focus convert`` runs in DuckDB: quotes, backslashes, control characters, line breaks
inside a quoted field, non-ASCII text, text that looks like an escape, empty and NULL-spelled
values, rows with nothing to pack. The two packs must agree: rows loaded by either are compared,
restated and deduplicated as text.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import duckdb
import pytest

from finops_lib.sources.aws_cur.reader import (
    ARROW_VIEW,
    Pack,
    arrow_source,
    columns,
    cur_plan,
    json_string,
)

HEADER = [
    "identity/LineItemId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UnblendedCost",
    "product/ProductName",
    "product/description",
    "product/instanceType",
    "resourceTags/user:team",
    "resourceTags/user:Cost Center",
    "costCategory/env",
]
VALUES = [
    "plain",
    'say "hi"',
    "back\\slash",
    "literal \\u001f text",
    "ctl\x01and\x1f",
    "tab\tnew\nline\r\n",
    "café 東京 😀",
    "None",
    "",
    " ",
    "{}",
    '","x":"',
]


def _rows() -> list[list[str]]:
    rows = []
    n = 0
    for i, value in enumerate(VALUES):
        for j in range(len(HEADER) - 4):
            cells = [""] * (len(HEADER) - 4)
            cells[j] = value
            cells[(j + i) % len(cells)] = cells[(j + i) % len(cells)] or VALUES[(i + 1) % 5]
            n += 1
            rows.append([str(n), "Usage", "2026-09-01T00:00:00Z", "1.5", *cells])
    n += 1
    rows.append([str(n), "Usage", "2026-09-01T00:00:00Z", "1.5", *[""] * (len(HEADER) - 4)])
    return rows


def _write(path: Path, rows: list[list[str]]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", newline="", encoding="utf-8") as f:  # type: ignore[operator]
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def _packs(path: Path, numbered: bool) -> dict[str, tuple]:
    """``identity_line_item_id`` -> (product, resource_tags, cost_category) as one read gives
    them: the import's Arrow stream (``numbered``) or DuckDB's CSV reader (convert)."""
    con = duckdb.connect()
    plan = cur_plan(path, columns(con, path, path.name), path.name, {}, numbered=numbered)
    assert bool(plan.packs) == numbered  # the import packs on the stream, convert in SQL
    stream = arrow_source(plan.arrow, plan.columns, plan.packs, plan.ahead) if plan.arrow else None
    try:
        if stream is not None:
            con.register(ARROW_VIEW, stream.capsule)
        rows = con.execute(
            f"SELECT identity_line_item_id, product, resource_tags, cost_category "  # noqa: S608
            f"FROM (SELECT {plan.select} FROM {plan.source})",
            plan.params,
        ).fetchall()
    finally:
        if stream is not None:
            con.unregister(ARROW_VIEW)
            stream.close()
        con.close()
    return {r[0]: r[1:] for r in rows}


@pytest.mark.parametrize("name", ["cur.csv", "cur.csv.gz"])
def test_the_stream_packs_as_the_sql_pack_does(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path / name, _rows())
    streamed = _packs(path, numbered=True)
    in_sql = _packs(path, numbered=False)
    assert streamed.keys() == in_sql.keys() and len(streamed) == len(_rows())
    for key, packs in in_sql.items():
        assert streamed[key] == packs, key
    # the packs are JSON holding the file's values, '' left out; no value: NULL, tags '{}'
    assert streamed["1"] == ('{"product_name":"plain"}', "{}", None)
    last = streamed[str(len(_rows()))]
    assert last == (None, "{}", None)
    for packs in streamed.values():
        for text in packs:
            if text is not None:
                assert "" not in json.loads(text).values()


def test_a_batch_of_plain_values_and_one_needing_escapes_pack_alike(tmp_path: Path) -> None:
    """Many rows, so the file spans several Arrow batches: the first (more than the stream's block
    size of text) with plain values only, which Arrow quotes, the others with values to escape."""
    plain = [["", "Usage", "2026-09-01T00:00:00Z", "1.5", "a b", "", "m5.large", "x", "", "y"]]
    rows = [list(r) for r in plain * 80_000 + _rows() * 500]
    for n, row in enumerate(rows, start=1):
        row[0] = str(n)
    path = _write(tmp_path / "big.csv.gz", rows)
    assert _packs(path, numbered=True) == _packs(path, numbered=False)


@pytest.mark.parametrize("value", VALUES)
def test_json_string_is_duckdbs_to_json(value: str) -> None:
    con = duckdb.connect()
    want = con.execute("SELECT CAST(to_json($v) AS VARCHAR)", {"v": value}).fetchone()
    assert json_string(value) == (want[0] if want else None)


def test_a_sliced_batch_is_escaped_by_its_own_values() -> None:
    """The pack of a slice of a batch (Arrow hands out slices of one buffer) is that of its own
    values: whether to escape is read off the slice's bytes, not the whole buffer's."""
    import pyarrow as pa

    batch = pa.record_batch(
        {
            "product/a": ['say "hi"', "plain", "more", "tab\there"],
            "product/b": ["1", None, "2", "3"],
        }
    )
    pack = Pack("product", (("a", "product/a"), ("b", "product/b")))
    assert pack.arrow(batch.slice(1, 2)).to_pylist() == ['{"a":"plain"}', '{"a":"more","b":"2"}']
    assert pack.arrow(batch.slice(2, 2)).to_pylist() == [
        '{"a":"more","b":"2"}',
        '{"a":"tab\\there","b":"3"}',
    ]
    assert pack.arrow(batch).to_pylist()[0] == '{"a":"say \\"hi\\"","b":"1"}'
