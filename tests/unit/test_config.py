"""Config resolution: defaults, file, env, flags, and errors that name the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from finops_lib.config import load_settings
from finops_lib.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "finops.toml"
    path.write_text(text)
    return path


def test_defaults_without_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={})
    assert settings.database == Path("data/finops.duckdb")
    assert settings.get("aws", "cur_version") == "v1"
    assert settings.source is None


def test_example_file_is_valid():
    settings = load_settings(ROOT / "finops.example.toml", env={})
    assert settings.get("aws", "bucket") == "s3://my-billing-bucket"
    assert settings.get("project", "tag_keys") == ["team", "env", "cost_center"]


def test_env_overrides_file_and_flag_overrides_env(tmp_path):
    path = write(tmp_path, '[aws]\nbucket = "s3://from-file"\n')
    env = {"OPEN_FINOPS_AWS_BUCKET": "s3://from-env"}
    settings = load_settings(path, env=env)
    assert settings.get("aws", "bucket") == "s3://from-env"
    assert (
        settings.override("aws", "bucket", "s3://from-flag").get("aws", "bucket")
        == "s3://from-flag"
    )


def test_database_env_short_form(tmp_path):
    settings = load_settings(write(tmp_path, ""), env={"OPEN_FINOPS_DATABASE": "x.duckdb"})
    assert settings.database == Path("x.duckdb")


def test_env_list_and_number_are_parsed(tmp_path):
    env = {
        "OPEN_FINOPS_PROJECT_TAG_KEYS": "team, app",
        "OPEN_FINOPS_PROJECT_MONTHLY_BUDGET": "12.5",
    }
    settings = load_settings(write(tmp_path, ""), env=env)
    assert settings.get("project", "tag_keys") == ["team", "app"]
    assert settings.get("project", "monthly_budget") == 12.5


def test_unknown_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key aws\.bukket"):
        load_settings(write(tmp_path, '[aws]\nbukket = "x"\n'), env={})


def test_unknown_section_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown section \[awz\]"):
        load_settings(write(tmp_path, "[awz]\n"), env={})


def test_malformed_toml_names_file(tmp_path):
    path = write(tmp_path, "[aws\nbucket=")
    with pytest.raises(ConfigError, match="malformed TOML in .*finops.toml"):
        load_settings(path, env={})


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", env={})


def test_bad_value_names_key(tmp_path):
    with pytest.raises(ConfigError, match=r"aws\.cur_version"):
        load_settings(write(tmp_path, '[aws]\ncur_version = "v9"\n'), env={})
    with pytest.raises(ConfigError, match=r"project\.monthly_budget"):
        load_settings(write(tmp_path, '[project]\nmonthly_budget = "lots"\n'), env={})


def test_unknown_env_setting_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="OPEN_FINOPS_AWS_BUKET"):
        load_settings(write(tmp_path, ""), env={"OPEN_FINOPS_AWS_BUKET": "x"})


def test_aws_exports_inherit_defaults(tmp_path):
    text = (
        '[aws]\nbucket = "s3://main"\n[aws.exports.b]\nexport_name = "b-cur"\ncur_version = "v2"\n'
    )
    settings = load_settings(write(tmp_path, text), env={})
    assert settings.aws_exports["b"] == {
        "export_name": "b-cur",
        "cur_version": "v2",
        "bucket": "s3://main",
        "prefix": "",
        "region": "us-east-1",
    }


def test_bad_memory_limit_is_a_config_error(tmp_path) -> None:
    from finops_lib import db
    from finops_lib.errors import ConfigError

    settings = load_settings(env={}).override("project", "database", str(tmp_path / "w.duckdb"))
    con = db.connect_writer(settings)
    try:
        (limit,) = con.execute("select current_setting('memory_limit')").fetchone()
    finally:
        con.close()
    assert limit.endswith("MiB") or limit.endswith("GiB")
    with pytest.raises(ConfigError, match="memory_limit"):
        db.connect_writer(settings.override("project", "memory_limit", "lots"))


def test_every_provider_takes_several_exports_completed_from_its_section(tmp_path):
    path = write(
        tmp_path,
        '[gcp]\nproject_id = "p1"\nlookback_days = 5\n'
        '[gcp.exports.billing]\ndataset = "ds"\ntable = "gcp_billing_export_v1_X"\n'
        '[gcp.exports.detailed]\ndataset = "ds2"\ntable = "t2"\nlookback_days = 10\n'
        '[azure.exports.ea]\ncontainer = "azure://costs/exports"\n',
    )
    settings = load_settings(path, env={})
    gcp = settings.section_exports("gcp")
    assert sorted(gcp) == ["billing", "detailed"]
    assert (gcp["billing"]["project_id"], gcp["billing"]["lookback_days"]) == ("p1", 5)
    assert gcp["detailed"]["lookback_days"] == 10
    assert settings.section_exports("azure")["ea"]["container"] == "azure://costs/exports"
    assert settings.section_exports("aws") == {}


def test_unknown_key_in_an_export_table_names_it(tmp_path):
    path = write(tmp_path, '[azure.exports.ea]\nbucket = "s3://x"\n')
    with pytest.raises(ConfigError, match=r"azure\.exports\.ea\.bucket"):
        load_settings(path, env={})


def test_secrets_are_not_export_keys(tmp_path):
    path = write(tmp_path, '[azure.exports.ea]\nconnection_string = "AccountKey=x"\n')
    with pytest.raises(ConfigError, match=r"azure\.exports\.ea\.connection_string"):
        load_settings(path, env={})


def test_env_sets_provider_keys_with_underscores(tmp_path):
    env = {"OPEN_FINOPS_GCP_PROJECT_ID": "from-env", "OPEN_FINOPS_GCP_LOOKBACK_DAYS": "7"}
    settings = load_settings(write(tmp_path, ""), env=env)
    assert settings.get("gcp", "project_id") == "from-env"
    assert settings.get("gcp", "lookback_days") == 7


def test_a_non_integer_is_refused_for_an_integer_key(tmp_path):
    with pytest.raises(ConfigError, match=r"gcp\.lookback_days"):
        load_settings(write(tmp_path, "[gcp]\nlookback_days = 1.5\n"), env={})
