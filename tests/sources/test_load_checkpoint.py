"""A delivery's load commits without checkpointing (``pipeline.LOAD_SETTINGS``): every small
delivery's commit used to checkpoint the raw tables again. The commit stays durable, and the
connection's own settings come back, after a failed load too."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from finops_lib import db, pipeline
from finops_lib.config import load_settings
from finops_lib.demo import generate_gcp

MONTHS = ("2026-08", "2026-09", "2026-10")


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_gcp(tmp_path_factory.mktemp("gcp"), rows=300, months=MONTHS).extract


def _selected(extract: Path) -> list:
    settings = load_settings(env={})
    settings = replace(
        settings, exports={**settings.exports, "gcp": {"demo-gcp": {"extract": str(extract)}}}
    )
    return pipeline.select_exports(settings, ["gcp"])


def test_loads_commit_to_the_log_and_the_rows_survive_a_reopen(
    tmp_path: Path, extract: Path
) -> None:
    path = tmp_path / "w.duckdb"
    con = db.connect(path)
    con.execute("set checkpoint_threshold = '0KB'")  # a writer that checkpoints on every commit
    result = pipeline.ImportResult()
    pipeline.load_exports(con, _selected(extract), result)
    assert [x.period for x in result.loaded] == list(MONTHS)
    # no load checkpointed: the three deliveries are in the write-ahead log, not the file
    wal = Path(str(path) + ".wal")
    assert wal.exists() and wal.stat().st_size > 0
    setting = con.execute("select current_setting('checkpoint_threshold')").fetchone()
    assert setting == ("0 bytes",)
    con.close()
    con = db.connect(path, read_only=True)
    try:
        rows = con.execute("select count(*) from raw_gcp.billing").fetchone()
        states = con.execute("select count(*) from meta.load_state").fetchone()
    finally:
        con.close()
    assert rows == (result.rows,) and states == (len(MONTHS),)


def test_a_failed_load_restores_the_connections_settings(tmp_path: Path, extract: Path) -> None:
    con = db.connect(tmp_path / "w.duckdb")
    try:
        con.execute("set checkpoint_threshold = '8MiB'")  # not the default, as printed
        before = con.execute(
            "select current_setting('checkpoint_threshold'),"
            " current_setting('preserve_insertion_order')"
        ).fetchone()
        pipeline.ensure_tables(con)
        (source, export), *_ = _selected(extract)
        delivery = export.deliveries()[0]

        class Broken:
            def __getattr__(self, name: str):
                return getattr(export, name)

            def load(self, *args):
                raise RuntimeError("the load fails half-way")

        with pytest.raises(RuntimeError, match="half-way"):
            pipeline.load_delivery(con, source, Broken(), delivery, export.fetch(delivery))
        after = con.execute(
            "select current_setting('checkpoint_threshold'),"
            " current_setting('preserve_insertion_order')"
        ).fetchone()
        assert after == before
        assert con.execute("select count(*) from meta.load_state").fetchone() == (0,)
    finally:
        con.close()
