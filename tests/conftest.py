"""Suite-wide: the slowest modules are collected first.

`./finops test` runs pytest-xdist with ``--dist loadfile``: each file goes whole to one worker, in
collection order, as workers free up. Collected in name order, the Spark modules (two to four
minutes of set-up each) came last and one worker ran them alone at the end while the other idled;
started first, the many short modules fill the workers' time around them.
"""

from __future__ import annotations

import pytest

#: Slowest first (set-up plus calls, from the ``--durations`` of CI runs).
SLOW_FIRST = (
    "tests/spark/test_spark_import.py",
    "tests/spark/test_same_answers.py",
    "tests/spark/test_spark_load.py",
    "tests/integration/test_demo.py",
    "tests/integration/test_deploy.py",
    "tests/integration/test_official_validator.py",
    "tests/notebooks/test_notebooks.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(SLOW_FIRST)}
    root = config.rootpath

    def key(item: pytest.Item) -> int:
        path = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        return rank.get(path, len(SLOW_FIRST))

    items.sort(key=key)  # stable: the rest keep their order, and so do a module's tests
