"""compose.yaml, the Containerfiles and `finops deploy` as far as they can be checked without a
container engine (tests/integration/test_deploy.py runs them under Podman)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from finops_lib.cli import deploy
from finops_lib.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = re.compile(r"\$\{([A-Z_]+):-([^}]*)\}")


def load() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def with_defaults(text: str) -> str:
    """A compose value with every ``${VAR:-default}`` replaced by its default."""
    return DEFAULT.sub(lambda m: m.group(2), text)


def test_services_and_their_build_files() -> None:
    services = load()["services"]
    assert {"app", "scheduler", "metabase", "metabase-db"} <= set(services)
    for name, svc in services.items():
        assert "image" in svc or "build" in svc, name
        if "build" in svc:
            build = svc["build"]
            assert (ROOT / build["context"] / build["dockerfile"]).is_file(), name
    assert not (ROOT / "metabase" / "Dockerfile").exists()


def test_app_and_scheduler_run_the_project_image_on_a_public_python_base_by_default() -> None:
    services = load()["services"]
    for name in ("app", "scheduler"):
        svc = services[name]
        assert svc["image"] == deploy.IMAGE
        assert with_defaults(svc["build"]["args"]["BASE_IMAGE"]) == deploy.DEFAULT_BASE_IMAGE
        assert "OPEN_FINOPS_BASE_IMAGE" in svc["build"]["args"]["BASE_IMAGE"]
    text = (ROOT / "Containerfile").read_text()
    assert f"ARG BASE_IMAGE={deploy.DEFAULT_BASE_IMAGE}" in text
    assert "uv sync --frozen --no-dev" in text
    assert re.search(r"^USER 1000", text, re.M)  # never root at run time


def test_ports_are_published_on_loopback_by_default() -> None:
    for name, svc in load()["services"].items():
        for port in svc.get("ports", []):
            assert with_defaults(str(port)).startswith("127.0.0.1:"), f"{name}: {port}"
    app_ports = load()["services"]["app"]["ports"]
    assert [with_defaults(p) for p in app_ports] == ["127.0.0.1:2718:2718"]


def test_readers_mount_the_published_snapshot_read_only_and_only_the_scheduler_writes() -> None:
    services = load()["services"]
    assert "published:/data/published:ro" in services["metabase"]["volumes"]
    assert "published:/data/published:ro" in services["app"]["volumes"]
    assert not any(v.startswith("warehouse:") for v in services["app"]["volumes"])
    scheduler = services["scheduler"]["volumes"]
    for volume in (
        "warehouse:/data/warehouse",
        "published:/data/published",
        "reports:/data/reports",
    ):
        assert volume in scheduler


def test_named_volumes_are_declared_and_dependencies_exist() -> None:
    doc = load()
    declared = set(doc.get("volumes") or {})
    assert {"warehouse", "published", "reports"} <= declared
    for name, svc in doc["services"].items():
        for vol in svc.get("volumes", []):
            source = vol.split(":")[0]
            if not source.startswith((".", "/", "$")):
                assert source in declared, f"{name} uses undeclared volume {source}"
        for dep in svc.get("depends_on", {}):
            assert dep in doc["services"], f"{name} depends on unknown service {dep}"


def test_no_secret_is_written_in_the_file() -> None:
    for name, svc in load()["services"].items():
        env = svc.get("environment") or {}
        items = env.items() if isinstance(env, dict) else [(e.partition("=")[0], e) for e in env]
        for key, value in items:
            if re.search(r"PASSWORD|PASS$|TOKEN|SECRET|KEY", key):
                text = str(value)
                # a pass-through name (the value comes from the environment) or ${VAR}
                assert text == key or text.split("=", 1)[-1].startswith("${"), (name, key)


def test_metabase_duckdb_driver_tracks_the_projects_duckdb_line() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    duck = next(d for d in deps if d.startswith("duckdb=="))[len("duckdb==") :]
    text = (ROOT / "metabase" / "Containerfile").read_text()
    driver = re.search(r"ARG DUCKDB_DRIVER_VERSION=(\S+)", text)
    assert driver and driver.group(1).startswith(duck + ".")
    assert "-jre-jammy" in text  # glibc: the Alpine JRE cannot load DuckDB's JNI library


# ------------------------------------------------------------------------------ finops deploy


def _finops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "finops_lib.cli", *args],
        cwd=ROOT,
        env={"HOME": os.environ.get("HOME", "/tmp"), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_no_container_engine_is_one_line(tmp_path: Path) -> None:
    # OPEN_FINOPS_BASE_IMAGE is a deployment variable, not a setting: it must not upset the CLI
    done = _finops("deploy", "status", env={"PATH": str(tmp_path), "OPEN_FINOPS_BASE_IMAGE": "x"})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no container engine found")


def test_app_beyond_loopback_without_a_token_is_refused_before_anything_runs(
    tmp_path: Path,
) -> None:
    done = _finops("deploy", "up", env={"PATH": str(tmp_path), "FINOPS_APP_BIND": "0.0.0.0"})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: FINOPS_APP_BIND=0.0.0.0 publishes the app beyond loopback without a token "
        "(hint: set FINOPS_APP_TOKEN (marimo's token authentication), or keep "
        "FINOPS_APP_BIND=127.0.0.1)"
    ]
    deploy.check_access({"FINOPS_APP_BIND": "0.0.0.0", "FINOPS_APP_TOKEN": "t"}, ["app"])
    with pytest.raises(ConfigError, match="METABASE_DB_PASSWORD"):
        deploy.check_access({}, ["metabase"])


def test_default_schedule_is_the_report_schedule_cron_line() -> None:
    from finops_lib.reports import cron_line

    assert cron_line().startswith(deploy.default_schedule() + " ")


@pytest.mark.parametrize(
    ("expr", "after", "due"),
    [
        ("0 6 * * *", "2026-11-26 05:30", "2026-11-26 06:00"),
        ("0 6 * * *", "2026-11-26 06:00", "2026-11-27 06:00"),
        ("*/15 * * * *", "2026-11-26 05:31", "2026-11-26 05:45"),
        ("30 8 * * 1-5", "2026-11-27 09:00", "2026-11-30 08:30"),  # Friday -> Monday
        ("0 0 1 * *", "2026-12-15 00:00", "2027-01-01 00:00"),
        ("@hourly", "2026-11-26 05:00", "2026-11-26 06:00"),
    ],
)
def test_schedule_next_tick(expr: str, after: str, due: str) -> None:
    parse = dt.datetime.fromisoformat
    assert deploy.Schedule.parse(expr).next_after(parse(after)) == parse(due)


@pytest.mark.parametrize("expr", ["", "0 6 * *", "61 * * * *", "0 6 * * mon", "*/0 * * * *"])
def test_bad_schedule_is_a_config_error(expr: str) -> None:
    with pytest.raises(ConfigError, match="FINOPS_SCHEDULE"):
        deploy.Schedule.parse(expr)


def test_a_tick_imports_with_alerts_then_renders_the_chosen_reports() -> None:
    assert deploy.tick_steps("") == [["import", "--alerts"], ["report", "render"]]
    assert deploy.tick_steps("10_review_costs, 60_detect_anomalies")[1] == [
        "report",
        "render",
        "10_review_costs",
        "60_detect_anomalies",
    ]


def test_dotenv_reads_key_values_and_quotes(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# comment\nA=1\nexport B='two words'\nC=\"x=y\"\nbroken line\n")
    assert deploy.dotenv(env) == {"A": "1", "B": "two words", "C": "x=y"}
    assert deploy.dotenv(tmp_path / "missing") == {}


def test_podman_build_mounts_the_ca_bundle_and_the_cache(tmp_path: Path) -> None:
    engine = deploy.Engine("podman", ("podman-compose",))
    cmd = deploy.build_cmd(engine, "localhost/base:1", cache_dir=tmp_path / "uv")
    assert cmd[:2] == ["podman", "build"] and cmd[-1] == str(deploy.ROOT)
    assert "BASE_IMAGE=localhost/base:1" in cmd
    assert f"{(tmp_path / 'uv').resolve()}:/uv-cache" in cmd
