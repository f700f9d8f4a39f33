"""[budgets.<name>] tables: validated into budgets, a bad one refused with its name."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops_lib import budgets
from finops_lib.config import load_settings
from finops_lib.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_monthly_in_the_project_currency_with_two_thresholds() -> None:
    (b,) = budgets.parse({"ops": {"amount": 1000}}, currency="EUR")
    assert (b.name, b.amount, b.currency, b.period) == ("ops", Decimal(1000), "EUR", "monthly")
    assert {(t.kind, t.percent) for t in b.thresholds} == {
        ("forecast", Decimal(80)),
        ("actual", Decimal(100)),
    }
    assert b.scope == "all costs"


def test_filters_are_read_as_lists_and_the_dimension_as_name_and_values() -> None:
    (b,) = budgets.parse(
        {
            "p": {
                "amount": "2500.50",
                "period": "quarterly",
                "providers": "AWS",
                "accounts": ["123456789012", 210987654321],
                "services": ["Amazon EC2"],
                "dimension": {"team": "data"},
                "thresholds": [{"kind": "actual", "percent": 90}],
            }
        }
    )
    assert b.amount == Decimal("2500.50") and b.period == "quarterly"
    assert b.providers == ("AWS",) and b.accounts == ("123456789012", "210987654321")
    assert b.dimension == ("team", ("data",))
    assert [(t.kind, t.percent) for t in b.thresholds] == [("actual", Decimal(90))]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"currency": "USD"}, "has no amount"),
        ({"amount": -5}, "not a positive number"),
        ({"amount": True}, "not a positive number"),
        ({"amount": 10, "period": "weekly"}, "bad period 'weekly'"),
        ({"amount": 10, "thresholds": [{"kind": "burn", "percent": 50}]}, "threshold kind"),
        ({"amount": 10, "thresholds": [{"kind": "actual", "percent": 0}]}, "percent"),
        ({"amount": 10, "dimension": {"team": "a", "env": "b"}}, "dimension must name one"),
        ({"amount": 10, "servces": ["x"]}, "unknown key 'servces'"),
        ({"amount": 10, "currency": "dollars"}, "3-letter"),
        ({"amount": 10, "providers": [1.5]}, "providers"),
    ],
)
def test_bad_budget_is_a_config_error_naming_it(table: dict, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as err:
        budgets.parse({"team-x": table}, origin="finops.toml")
    assert "'team-x'" in str(err.value) and "finops.toml" in str(err.value)
    assert "\n" not in str(err.value)


def test_budget_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(ConfigError, match="budget 'b'"):
        budgets.parse({"b": 100})


def test_unknown_dimension_is_refused_naming_the_budget_and_the_built_ones() -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.cost_allocation (dimension varchar, value varchar)")
    con.execute("insert into marts.cost_allocation values ('team', 'data'), ('env', 'prod')")
    found = budgets.parse({"squad": {"amount": 1, "dimension": {"squad": "x"}}})
    with pytest.raises(ConfigError, match="budget 'squad': unknown dimension 'squad'") as err:
        budgets.check_dimensions(con, found)
    assert "env, team" in str(err.value)
    budgets.check_dimensions(con, budgets.parse({"ok": {"amount": 1, "dimension": {"team": "x"}}}))


def test_dimension_budget_without_any_allocation_is_refused() -> None:
    found = budgets.parse({"d": {"amount": 1, "dimension": {"team": "x"}}})
    with pytest.raises(ConfigError, match="no dimension is built"):
        budgets.check_dimensions(duckdb.connect(), found)


def test_config_file_budgets_win_over_the_recorded_ones(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("create schema meta")
    con.execute(
        "create table meta.config_trees (section varchar, body varchar, recorded_at timestamptz)"
    )
    con.execute(
        "insert into meta.config_trees values "
        """('budgets', '{"recorded": {"amount": 5}}', now()), ('allocation', '{}', now())"""
    )
    plain = load_settings(env={"OPEN_FINOPS_CONFIG": str(_write(tmp_path, "a.toml", ""))})
    assert [b.name for b in budgets.configured(con, plain)] == ["recorded"]
    own = _write(tmp_path, "b.toml", "[budgets.mine]\namount = 7\n")
    settings = load_settings(env={"OPEN_FINOPS_CONFIG": str(own)})
    assert [b.name for b in budgets.configured(con, settings)] == ["mine"]


def test_no_budgets_anywhere_is_an_empty_list(tmp_path: Path) -> None:
    settings = load_settings(env={"OPEN_FINOPS_CONFIG": str(_write(tmp_path, "c.toml", ""))})
    assert budgets.configured(duckdb.connect(), settings) == []


def test_example_config_budgets_section_is_valid() -> None:
    settings = load_settings(ROOT / "finops.example.toml", env={})
    found = budgets.parse(settings.tree("budgets"), origin="finops.example.toml")
    assert found and all(b.amount > 0 for b in found)


def test_quarter_bounds_hold_the_month() -> None:
    assert budgets.bounds("2026-11", "quarterly")[:3] == (
        "2026-Q4",
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    label, start, end, months = budgets.bounds("2024-02", "monthly")
    assert (label, start.day, end.day, months) == ("2024-02", 1, 29, ["2024-02"])


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
