"""compose.yaml is valid as far as it can be checked without a container engine."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_every_service_has_an_image_or_a_build_context_with_a_dockerfile():
    services = load()["services"]
    assert {"metabase", "metabase-db", "app", "reports"} <= set(services)
    for name, svc in services.items():
        assert "image" in svc or "build" in svc, name
        if "build" in svc:
            assert (ROOT / svc["build"] / "Dockerfile").is_file(), name


def test_ports_are_published_on_loopback_only():
    for name, svc in load()["services"].items():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_metabase_reads_the_published_snapshot_read_only():
    volumes = load()["services"]["metabase"]["volumes"]
    assert "./data/published:/data/published:ro" in volumes


def test_named_volumes_are_declared_and_dependencies_exist():
    doc = load()
    declared = set(doc.get("volumes") or {})
    for name, svc in doc["services"].items():
        for vol in svc.get("volumes", []):
            source = vol.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} uses undeclared volume {source}"
        for dep in svc.get("depends_on", {}):
            assert dep in doc["services"], f"{name} depends on unknown service {dep}"


def test_no_secret_is_written_in_the_file():
    text = (ROOT / "compose.yaml").read_text()
    for line in text.splitlines():
        if "PASSWORD" in line and ":" in line and not line.strip().startswith("#"):
            value = line.split(":", 1)[1].strip()
            assert value.startswith("${") or value == "", line
