"""The import notebook's button (``finops_lib.analysis.ingest.run_import``) on a real local delivery.

The config file points ``[aws]`` at a generated CUR v1 bucket copy (the demo generator's real S3
layout), exactly as a user's ``finops.toml`` would; the button's frame must show what was loaded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from finops_lib.analysis.ingest import import_frame, run_import
from finops_lib.config import load_settings
from finops_lib.demo import generate_aws
from finops_lib.pipeline import import_all

MONTHS = ("2026-08", "2026-09")


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A small CUR v1 delivery of two months in a local bucket copy, with its expected totals."""
    out = tmp_path_factory.mktemp("bucket")
    generated = generate_aws(out, rows=600, months=MONTHS, flavours=("v1",), restate_last=False)
    return generated.exports["v1"].root, generated.expected["v1"]


def _config(tmp: Path, bucket: Path) -> Path:
    """A finops.toml pointing [aws] at the local bucket and the warehouse into ``tmp``."""
    path = tmp / "finops.toml"
    path.write_text(
        f"""
[project]
database = "{(tmp / "w.duckdb").as_posix()}"
publish_dir = "{(tmp / "published").as_posix()}"

[aws]
bucket = "{bucket.as_posix()}"
prefix = "cur"
export_name = "demo-cur"
cur_version = "v1"
download_dir = "{(tmp / "downloads").as_posix()}"
""",
        encoding="utf-8",
    )
    return path


def test_import_button_lists_every_loaded_period_with_rows_and_delivery(
    delivery: tuple[Path, dict], tmp_path: Path
) -> None:
    bucket, expected = delivery
    settings = load_settings(_config(tmp_path, bucket))

    outcome = run_import(settings, import_all)

    frame = outcome.frame.sort("period")
    assert outcome.message.startswith("Import finished"), outcome.message
    assert frame.select("status", "provider", "export", "period", "rows", "delivery_id").rows() == [
        (
            "loaded",
            "AWS",
            "demo-cur",
            period,
            expected["periods"][period]["rows"],
            expected["periods"][period]["manifest_id"],
        )
        for period in MONTHS
    ]


def test_import_button_pressed_again_shows_the_periods_as_skipped(
    delivery: tuple[Path, dict], tmp_path: Path
) -> None:
    bucket, _ = delivery
    settings = load_settings(_config(tmp_path, bucket))
    run_import(settings, import_all)

    again = run_import(settings, import_all)

    frame = again.frame.sort("period")
    assert frame.select("status", "provider", "export", "period").rows() == [
        ("skipped (already loaded)", "AWS", "demo-cur", period) for period in MONTHS
    ]
    assert frame["rows"].null_count() == len(MONTHS)
    assert "0 period(s) loaded" in again.message and "2 already loaded" in again.message


def test_import_button_shows_a_failure_as_a_message(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path, tmp_path / "no-such-bucket"))

    outcome = run_import(settings, import_all)

    assert outcome.message.startswith("Import failed: ")
    assert outcome.frame.is_empty()


def test_import_frame_puts_loaded_periods_before_skipped_ones() -> None:
    from finops_lib.pipeline import ImportResult, Loaded

    result = ImportResult(
        loaded=[Loaded("AWS", "cur", "2026-09", 12, "assembly-9")],
        skipped=[("AWS", "cur", "2026-08")],
    )

    frame = import_frame(result)

    assert frame.rows() == [
        ("loaded", "AWS", "cur", "2026-09", 12, "assembly-9"),
        ("skipped (already loaded)", "AWS", "cur", "2026-08", None, None),
    ]
