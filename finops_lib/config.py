"""Settings: ``finops.toml`` plus ``OPEN_FINOPS_<SECTION>_<KEY>`` env overrides.

Precedence is flag > env > file > default. Flags are applied by the caller (the CLI) with
:func:`Settings.override`. Nothing here does I/O at import time; credentials are never read
here: each cloud's SDK finds them through its own standard chain.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finops_lib.errors import ConfigError

DEFAULT_CONFIG_FILE = "finops.toml"
ENV_PREFIX = "OPEN_FINOPS_"

# section -> key -> (type, default). Lists are lists of strings.
SCHEMA: dict[str, dict[str, tuple[type, Any]]] = {
    "project": {
        "database": (str, "data/finops.duckdb"),
        "reports_dir": (str, "reports"),
        "publish_dir": (str, "data/published"),
        "currency": (str, "USD"),
        "monthly_budget": (float, 0.0),
        "tag_keys": (list, ["team", "env", "cost_center"]),
        "anomaly_threshold": (float, 5.0),
        # DuckDB's memory limit for imports and builds (it spills to disk beyond it), e.g. "2GB"
        "memory_limit": (str, "1GB"),
    },
    "aws": {
        "bucket": (str, ""),
        "prefix": (str, ""),
        "export_name": (str, ""),
        "cur_version": (str, "v1"),
        "region": (str, "us-east-1"),
        "download_dir": (str, "data/downloads"),
    },
    "azure": {
        # azure://<container>/<root> or a local directory with the same layout
        "container": (str, ""),
        # the Cost Management exports forming one dataset (e.g. an ActualCost and an AmortizedCost
        # export of one scope); [azure] alone is one dataset named after the first
        "exports": (list, []),
        # the type of exports written without manifest.json (older exports); manifests say it
        "type": (str, ""),
        # SAS, account key or emulator connection string; else Azure's standard credential chain
        "connection_string": (str, ""),
        "storage_account": (str, ""),
        "download_dir": (str, "data/downloads"),
    },
    "gcp": {
        "project_id": (str, ""),
        "dataset": (str, ""),
        "table": (str, ""),
        "location": (str, "US"),
        "service_account_path": (str, ""),
        "api_endpoint": (str, ""),
        "lookback_days": (int, 3),
        # a local JSONL / Parquet extract of the export table (a file or folder) instead of BigQuery
        "extract": (str, ""),
        # "billing" (the Cloud Billing export) or "focus" (Google's FOCUS view / export table)
        "kind": (str, "billing"),
    },
    "alerts": {
        # notification URLs in apprise's form (slack://, msteams://, mailto://, json://, ...);
        # secrets belong in OPEN_FINOPS_ALERTS_URLS, not in the file
        "urls": (list, []),
        # where the reports are served or kept, for the link in each alert (default: reports_dir)
        "report_url": (str, ""),
    },
    "engine": {
        # "duckdb" (one machine, the default) or "spark" (finops_lib/engine, docs/SCALE.md)
        "kind": (str, "duckdb"),
        # local[N], spark://host:7077 or a Spark Connect sc://host:15002 URL
        "spark_master": (str, "local[2]"),
        # where Spark writes its tables (raw, FOCUS, marts as Parquet); default <publish_dir>/spark
        "warehouse_path": (str, ""),
        # the Spark driver's heap, e.g. "8g" (in local mode the driver runs the tasks too; Spark's
        # default 1g does not hold a 10M-row month); empty: Spark's default
        "spark_driver_memory": (str, ""),
        # more JVM options for the driver and executors (e.g. -XX:TieredStopAtLevel=1 for
        # short-lived sessions: less JIT work, slower long jobs)
        "spark_java_options": (str, ""),
    },
}

# Sections whose shape is a tree of tables (rules, budgets) rather than flat keys. They are read
# as they are and validated by the module that owns them (allocation, budgets), which names the
# offending rule or budget.
TREE_SECTIONS = ("allocation", "budgets")

CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("aws", "cur_version"): ("v1", "v2", "focus"),
    ("azure", "type"): ("ActualCost", "AmortizedCost", "FocusCost"),
    ("engine", "kind"): ("duckdb", "spark"),
}

# [<provider>.exports.<name>] tables: several exports of one provider side by side. The keys an
# export table may set (each defaulting to the provider section's value); not the machine-local
# ones (download_dir) nor secrets (connection_string, service_account_path).
EXPORT_KEYS: dict[str, tuple[str, ...]] = {
    "aws": ("bucket", "prefix", "export_name", "cur_version", "region"),
    "azure": ("container", "exports", "type", "storage_account"),
    "gcp": ("project_id", "dataset", "table", "location", "lookback_days", "extract", "kind"),
}


@dataclass(frozen=True)
class Settings:
    """Resolved settings. ``values[section][key]``; ``exports[section][name][key]``."""

    values: dict[str, dict[str, Any]]
    exports: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    source: Path | None = None
    trees: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]

    def tree(self, section: str) -> dict[str, Any]:
        """A :data:`TREE_SECTIONS` section as read (``{}`` when absent); its owner validates it."""
        return self.trees.get(section, {})

    def with_tree(self, section: str, value: dict[str, Any]) -> Settings:
        """A copy with one tree section replaced (the demo passes its rules this way)."""
        return Settings(self.values, self.exports, self.source, {**self.trees, section: value})

    def section_exports(self, section: str) -> dict[str, dict[str, Any]]:
        """The ``[<section>.exports.<name>]`` tables, each completed from ``[<section>]``."""
        return self.exports.get(section, {})

    @property
    def aws_exports(self) -> dict[str, dict[str, Any]]:
        """The ``[aws.exports.<name>]`` tables."""
        return self.section_exports("aws")

    def override(self, section: str, key: str, value: Any) -> Settings:
        """Return a copy with one value set (used for CLI flags, the top precedence)."""
        if value is None:
            return self
        values = {s: dict(v) for s, v in self.values.items()}
        values[section][key] = _coerce(section, key, value, origin="command-line flag")
        return Settings(values, self.exports, self.source, self.trees)

    @property
    def database(self) -> Path:
        return Path(self.values["project"]["database"])


def _coerce(section: str, key: str, raw: Any, origin: str) -> Any:
    kind, _ = SCHEMA[section][key]
    name = f"{section}.{key}"
    try:
        if kind is list:
            if isinstance(raw, str):
                value: Any = [p.strip() for p in raw.split(",") if p.strip()]
            elif isinstance(raw, list) and all(isinstance(p, str) for p in raw):
                value = raw
            else:
                raise ValueError
        elif kind is int:
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError
            value = int(raw)
        elif kind is float:
            if isinstance(raw, bool):
                raise ValueError
            value = float(raw)
        elif kind is str:
            if not isinstance(raw, str):
                raise ValueError
            value = raw
        else:  # pragma: no cover - schema holds only the types above
            value = kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(
            f"bad value for {name} in {origin}: {raw!r} is not a {kind.__name__}",
            hint=f"see finops.example.toml for the expected type of {name}",
        ) from None
    allowed = CHOICES.get((section, key))
    if allowed and value not in allowed:
        raise ConfigError(
            f"bad value for {name} in {origin}: {value!r}",
            hint=f"use one of {', '.join(allowed)}",
        )
    return value


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(
            f"config file not found: {path}",
            hint="copy finops.example.toml to finops.toml, or drop --config / OPEN_FINOPS_CONFIG",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"malformed TOML in {path}: {exc}", hint="fix the syntax") from None


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Resolve settings from defaults, the TOML file and the environment.

    Args:
        path: explicit config file; it must exist. ``None`` means ``$OPEN_FINOPS_CONFIG``,
            else ``finops.toml`` in the working directory when present.
        env: environment to read (defaults to ``os.environ``).

    Raises:
        ConfigError: missing or malformed file, unknown section or key, bad value.
    """
    env = dict(os.environ) if env is None else env
    explicit = path if path is not None else env.get(ENV_PREFIX + "CONFIG")
    file_path: Path | None = None
    data: dict[str, Any] = {}
    if explicit:
        file_path = Path(explicit)
        data = _read_file(file_path)
    elif Path(DEFAULT_CONFIG_FILE).is_file():
        file_path = Path(DEFAULT_CONFIG_FILE)
        data = _read_file(file_path)

    values = {s: {k: d for k, (_, d) in keys.items()} for s, keys in SCHEMA.items()}
    exports: dict[str, dict[str, dict[str, Any]]] = {}
    trees: dict[str, dict[str, Any]] = {}
    origin = str(file_path) if file_path else "config"
    for section, table in data.items():
        if section in TREE_SECTIONS:
            if not isinstance(table, dict):
                raise ConfigError(f"[{section}] in {origin} must be a table")
            trees[section] = table
            continue
        if section not in SCHEMA:
            raise ConfigError(
                f"unknown section [{section}] in {origin}",
                hint=f"known sections: {', '.join([*SCHEMA, *TREE_SECTIONS])}",
            )
        if not isinstance(table, dict):
            raise ConfigError(f"[{section}] in {origin} must be a table")
        for key, raw in table.items():
            # [<section>.exports.<name>] tables; a section may also declare a plain `exports` key
            # (azure: the list of exports forming its one dataset)
            if (
                section in EXPORT_KEYS
                and key == "exports"
                and (isinstance(raw, dict) or "exports" not in SCHEMA[section])
            ):
                exports[section] = _read_exports(section, raw, origin)
                continue
            if key not in SCHEMA[section]:
                raise ConfigError(
                    f"unknown key {section}.{key} in {origin}",
                    hint=f"known keys in [{section}]: {', '.join(SCHEMA[section])}",
                )
            values[section][key] = _coerce(section, key, raw, origin)

    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name[len(ENV_PREFIX) :] in ("CONFIG", "BASE_IMAGE"):
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        if rest == "database":  # OPEN_FINOPS_DATABASE is the documented short form
            values["project"]["database"] = raw
            continue
        section, _, key = rest.partition("_")
        if section not in SCHEMA or key not in SCHEMA[section]:
            raise ConfigError(
                f"unknown setting in environment variable {name}",
                hint="use OPEN_FINOPS_<SECTION>_<KEY> with a key from finops.example.toml",
            )
        values[section][key] = _coerce(section, key, raw, f"environment variable {name}")

    for section, tables in exports.items():
        for cfg in tables.values():
            for key in EXPORT_KEYS[section]:
                cfg.setdefault(key, values[section][key])
    return Settings(values, exports, file_path, trees)


def _read_exports(section: str, raw: Any, origin: str) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise ConfigError(
            f"[{section}.exports] in {origin} must hold tables like [{section}.exports.main]"
        )
    exports: dict[str, dict[str, Any]] = {}
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise ConfigError(f"[{section}.exports.{name}] in {origin} must be a table")
        cfg: dict[str, Any] = {}
        for key, value in table.items():
            if key not in EXPORT_KEYS[section]:
                raise ConfigError(
                    f"unknown key {section}.exports.{name}.{key} in {origin}",
                    hint=f"known keys: {', '.join(EXPORT_KEYS[section])}",
                )
            cfg[key] = _coerce(section, key, value, origin)
        exports[name] = cfg
    return exports
