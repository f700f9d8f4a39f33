"""A published fixture warehouse shared by the notebook, analysis and report tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from focus_fixture import Warehouse, build_published


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The published fixture warehouse (built once per test session)."""
    return build_published(tmp_path_factory.mktemp("warehouse"))


@pytest.fixture
def published_env(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> Iterator[Warehouse]:
    """Point in-process settings at the fixture (for code that calls load_settings itself)."""
    for key, value in warehouse.env.items():
        if key.startswith("OPEN_FINOPS_"):
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(warehouse.root)
    yield warehouse
