"""`finops import` / `finops show-state`: every configured export of every provider, from the config."""

from __future__ import annotations

from pathlib import Path

import pytest

from finops_lib import db
from finops_lib.cli import main
from finops_lib.demo import generate_aws

MONTHS = ("2026-08", "2026-09")


@pytest.fixture(scope="module")
def buckets(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("buckets")
    return generate_aws(root, rows=900, seed=11, months=MONTHS).exports


def _config(tmp_path: Path, buckets: dict) -> Path:
    v1, v2 = buckets["v1"], buckets["v2"]
    path = tmp_path / "finops.toml"
    path.write_text(
        "[project]\n"
        f"database = '{tmp_path / 'w.duckdb'}'\n"
        f"publish_dir = '{tmp_path / 'published'}'\n"
        "[aws]\n"
        f"download_dir = '{tmp_path / 'dl'}'\n"
        "[aws.exports.legacy]\n"
        f"bucket = '{v1.root}'\nprefix = '{v1.prefix}'\nexport_name = '{v1.name}'\ncur_version = 'v1'\n"
        "[aws.exports.cur2]\n"
        f"bucket = '{v2.root}'\nprefix = '{v2.prefix}'\nexport_name = '{v2.name}'\ncur_version = 'v2'\n"
    )
    return path


def _loads(tmp_path: Path) -> list[tuple]:
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    try:
        return con.execute(
            "select export_name, billing_period, format, delivery_id, loaded_at"
            " from meta.load_state order by all"
        ).fetchall()
    finally:
        con.close()


def test_import_takes_every_configured_export_and_show_state_lists_them(
    tmp_path: Path, buckets: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = ["--config", str(_config(tmp_path, buckets))]
    assert main([*cfg, "import"]) == 0
    loads = _loads(tmp_path)
    assert [(e, p, f) for e, p, f, _, _ in loads] == [
        ("cur2", "2026-08", "v2"),
        ("cur2", "2026-09", "v2"),
        ("legacy", "2026-08", "v1"),
        ("legacy", "2026-09", "v1"),
    ]
    capsys.readouterr()
    assert main([*cfg, "show-state"]) == 0
    shown = capsys.readouterr().out
    for export, period, _, delivery, _ in loads:
        assert export in shown and period in shown
        assert delivery[:8] in shown


def test_a_second_import_loads_nothing_and_narrowing_reloads_only_that(
    tmp_path: Path, buckets: dict
) -> None:
    cfg = ["--config", str(_config(tmp_path, buckets))]
    assert main([*cfg, "import"]) == 0
    before = {(e, p): at for e, p, _, _, at in _loads(tmp_path)}
    assert main([*cfg, "import"]) == 0
    assert {(e, p): at for e, p, _, _, at in _loads(tmp_path)} == before
    args = ["import", "--provider", "aws", "--export", "legacy", "--period", "2026-09", "--force"]
    assert main([*cfg, *args]) == 0
    after = {(e, p): at for e, p, _, _, at in _loads(tmp_path)}
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {("legacy", "2026-09")}


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["import", "--export", "nope"], 2, "no configured export named nope"),
        (["import", "--provider", "nope"], 2, "unknown provider 'nope'"),
        (["import", "--period", "2026-9"], 3, "bad period"),
    ],
)
def test_a_bad_selection_is_one_line_naming_it(
    tmp_path: Path,
    buckets: dict,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    words: str,
) -> None:
    cfg = ["--config", str(_config(tmp_path, buckets))]
    assert main([*cfg, *args]) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and words in err[0]


def test_nothing_configured_says_what_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("OPEN_FINOPS_CONFIG", "OPEN_FINOPS_AWS_BUCKET", "OPEN_FINOPS_AWS_EXPORT_NAME"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--database", str(tmp_path / "w.duckdb"), "import"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "export is configured" in err[0] and "aws" in err[0]
