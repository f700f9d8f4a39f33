"""The engine seam: the same ``queries/`` on DuckDB (one machine, the default) or Apache Spark.

``[engine] kind`` picks the engine (``OPEN_FINOPS_ENGINE_KIND``); ``spark_master`` is where Spark
runs (``local[N]``, ``spark://host:7077`` or a Spark Connect ``sc://`` URL) and ``warehouse_path``
where it keeps its tables (default ``<publish_dir>/spark``); ``spark_driver_memory`` and
``spark_java_options`` size and tune the JVMs Spark starts (not for ``sc://``). DuckDB needs
nothing from here: the rest of the code base is its engine. For Spark, :mod:`finops_lib.engine.dialect` renders each
stored query with sqlglot plus a short list of fix-ups, :mod:`finops_lib.engine.spark` runs
staging, the FOCUS mappings, the marts, the conformance checks and reconciliation on a Spark
session, and :mod:`finops_lib.engine.spark_import` loads deliveries and publishes the Parquet
layout of :mod:`finops_lib.publish`. See docs/SCALE.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from finops_lib.config import Settings
from finops_lib.errors import ConfigError

KINDS = ("duckdb", "spark")

#: A JVM memory size as Spark takes it: a number and a unit (k, m, g, t), e.g. 8g, 4096m.
_MEMORY = re.compile(r"[1-9][0-9]*[kmgt]", re.I)


@dataclass(frozen=True)
class EngineSettings:
    """The resolved ``[engine]`` section."""

    kind: str
    spark_master: str
    warehouse_path: Path
    spark_driver_memory: str = ""
    spark_java_options: str = ""


def engine_settings(settings: Settings) -> EngineSettings:
    """``[engine]`` of ``settings`` (the kind is validated by the config's choices).

    Raises:
        ConfigError: ``spark_driver_memory`` is not a size such as ``8g``.
    """
    memory = str(settings.get("engine", "spark_driver_memory") or "").strip()
    if memory and not _MEMORY.fullmatch(memory):
        raise ConfigError(
            f"[engine] spark_driver_memory = {memory!r} is not a memory size",
            hint="write a number and a unit, e.g. '8g' or '4096m' (OPEN_FINOPS_ENGINE_SPARK_DRIVER_MEMORY)",
        )
    warehouse = str(settings.get("engine", "warehouse_path") or "")
    path = Path(warehouse) if warehouse else Path(settings.get("project", "publish_dir")) / "spark"
    return EngineSettings(
        kind=str(settings.get("engine", "kind")),
        spark_master=str(settings.get("engine", "spark_master")),
        warehouse_path=path,
        spark_driver_memory=memory,
        spark_java_options=str(settings.get("engine", "spark_java_options") or "").strip(),
    )
