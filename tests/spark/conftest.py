"""What the Spark tests share."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def java_options() -> str:
    """JVM options for the tests' Spark drivers and executors (``[engine] spark_java_options``):
    the JIT's client compiler only. A test's JVM lives a few minutes over small files, so C2's
    warm-up is spent and never paid back (the Spark-load module: 143 -> 104 CPU-s); the JIT
    changes how fast the same bytecode runs, never its results. Production keeps the JVM's
    default tiers (docs/SCALE.md)."""
    return "-XX:TieredStopAtLevel=1"
