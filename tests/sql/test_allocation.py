"""marts.cost_allocation on a real DuckDB file of hand-written FOCUS rows: first match wins, tag
spellings, defaults, even / proportional / fixed splits exact to the last decimal, currencies kept
apart, and every dimension's totals equal focus.cost_and_usage's."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from aws_raw import create_raw
from aws_raw import insert as insert_raw
from focus_rows import BASE

from finops_lib import allocation, db
from finops_lib.build import build, ensure_focus_table, rebuild_marts, record_trees
from finops_lib.cli import main
from finops_lib.export import export

UNIT = Decimal("0.0000000001")
SEPT = {"x_billing_period": "2026-09"}
OCT = {
    "x_billing_period": "2026-10",
    "BillingPeriodStart": "2026-10-01 00:00:00+00",
    "BillingPeriodEnd": "2026-11-01 00:00:00+00",
    "ChargePeriodStart": "2026-10-03 00:00:00+00",
    "ChargePeriodEnd": "2026-10-03 01:00:00+00",
}
SUPPORT = {"ServiceName": "AWS Support (Business)", "ServiceCategory": "Management and Governance"}
GCP = {"ProviderName": "Google Cloud", "x_provider": "Google Cloud", "SubAccountId": "gcp-proj"}
EUR = {"BillingCurrency": "EUR", "x_provider": "Azure", "ProviderName": "Microsoft"}
DATA_ACCOUNT = {"SubAccountId": "123456789012", "ServiceName": "Amazon S3"}


def row(resource: str, cost: str, tags: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "ResourceId": resource,
        "BilledCost": Decimal(cost),
        "EffectiveCost": Decimal(cost),
        "ListCost": Decimal(cost),
        "Tags": tags,
        **SEPT,
        **extra,
    }


ROWS = [
    row("r1", "10", '{"team": "web", "env": "prod"}'),
    row("r2", "20", '{"Team": "data"}', SubAccountName="prod", SubAccountId="333333333333"),
    row("r3", "30", '{"user:team": "ml"}'),
    row("r4", "5", '{"TEAM": "web"}'),  # no listed spelling: matched case-insensitively
    row("r5", "7", '{"user:Team": "data", "env": "dev"}'),  # user: prefix and case
    row("r6", "8", '{"env": "prod"}', **DATA_ACCOUNT),  # rule 2
    row(
        "r7",
        "1.11",
        '{"team": "", "env": "prod"}',
        **{**DATA_ACCOUNT, "ServiceName": "Cloud Storage EU"},
    ),
    row("r8", "2", '{"team": "web", "env": "prod"}', **DATA_ACCOUNT),  # rules 1 and 2: 1 wins
    row("r9", "3.33", None),  # no rule: default
    row("r10", "4", None, ServiceName="Cloud Storage", **GCP),  # regex rule 3
    row("r11", "0.5", None, ServiceName="Cloud Storage Transfer", **GCP),  # regex misses
    row("r12", "-1", '{"team": "web"}', ChargeCategory="Credit"),
    row("s1", "100.0000000001", None, **SUPPORT),
    row("s2", "0.07", None, **SUPPORT, SubAccountName="prod", SubAccountId="333333333333"),
    row("e1", "50", '{"team": "web"}', **EUR),
    row("e2", "150", '{"team": "data"}', **EUR),
    row("e3", "10.0000000003", None, ServiceName="Support", **EUR),
    row("o1", "40", '{"team": "ml"}', **OCT),
    row("o2", "0.01", None, **SUPPORT, **OCT),
]

TREE: dict[str, Any] = {
    "dimensions": {
        "team": {
            "rules": [
                {"name": "team tag", "tag": ["team", "Team", "user:team"]},
                {
                    "name": "data platform account",
                    "value": "data",
                    "where": {
                        "SubAccountId": "123456789012",
                        "ServiceName": ["Amazon S3", "Cloud Storage*"],
                        "tag:env": "prod",
                    },
                },
                {
                    "name": "gcp storage",
                    "value": "ml",
                    "where": {"ProviderName": "Google*", "ServiceName": "re:^Cloud (Storage|SQL)$"},
                },
            ]
        },
        "env": {"default": "none", "rules": [{"name": "env tag", "tag": "env"}]},
        "cc": {
            "rules": [
                {"name": "dev", "value": "cc-dev", "where": {"SubAccountName": "dev"}},
                {"name": "prod", "value": "cc-prod", "where": {"SubAccountName": "prod"}},
            ]
        },
    },
    "shared": [
        {
            "name": "support",
            "dimension": "team",
            "where": {"ServiceName": ["AWS Support*", "Support*"]},
            "method": "proportional",
        },
        {
            "name": "support even",
            "dimension": "env",
            "where": {"ServiceName": "AWS Support*"},
            "method": "even",
        },
        {
            "name": "support fixed",
            "dimension": "cc",
            "where": {"ServiceName": "AWS Support*"},
            "method": "fixed",
            "weights": {"cc-dev": 33.3333, "cc-prod": 66.6667},
        },
    ],
}


def insert(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    cols = [r[0] for r in con.execute("describe focus.cost_and_usage").fetchall()]
    base = {**BASE, "x_provider": "AWS", "x_export_name": "main"}
    con.executemany(
        f"insert into focus.cost_and_usage values ({', '.join('?' for _ in cols)})",
        [[{**base, **r, "x_source_row": i}.get(c) for c in cols] for i, r in enumerate(rows)],
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("alloc") / "finops.duckdb"
    con = db.connect(path)
    ensure_focus_table(con)
    insert(con, ROWS)
    rebuild_marts(con)
    record_trees(con, {"allocation": TREE})
    allocation.apply(con, allocation.parse(TREE))
    con.close()
    yield path


@pytest.fixture(scope="module")
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = db.connect(warehouse, read_only=True)
    yield c
    c.close()


def own_rows(con: duckdb.DuckDBPyConnection, dimension: str) -> dict[str, tuple[str, str | None]]:
    rows = con.execute(
        "select ResourceId, value, rule from marts.cost_allocation "
        "where dimension = $d and shared_rule is null",
        {"d": dimension},
    ).fetchall()
    return {r: (v, rule) for r, v, rule in rows}


def parts(con: duckdb.DuckDBPyConnection, resource: str, shared_rule: str) -> dict[str, tuple]:
    rows = con.execute(
        "select value, EffectiveCost, BilledCost, allocated_method_id, allocated_ratio "
        "from marts.cost_allocation where ResourceId = $r and shared_rule = $s",
        {"r": resource, "s": shared_rule},
    ).fetchall()
    return {v: tuple(rest) for v, *rest in rows}


def largest_remainder(units: int, weights: dict[str, Decimal]) -> dict[str, int]:
    """``units`` shared by ``weights``: exact shares floored, the units left over to the largest
    remainders (ties: value name)."""
    total = sum(weights.values())
    exact = {v: Decimal(units) * w / total for v, w in weights.items()}
    floors = {v: int(x // 1) for v, x in exact.items()}
    left = units - sum(floors.values())
    order = sorted(weights, key=lambda v: (-(exact[v] - floors[v]), v))
    return {v: floors[v] + (1 if v in order[:left] else 0) for v in weights}


def split(amount: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """An independent reference of the split: each value's ratio in 1e-10 units, then the amount
    in 1e-10 units by those ratios, both by largest remainder."""
    ratios = largest_remainder(10**10, weights)
    parts = largest_remainder(int(amount / UNIT), {v: Decimal(r) for v, r in ratios.items()})
    return {v: n * UNIT for v, n in parts.items()}


def test_first_matching_rule_wins_and_tag_spellings_are_found(con) -> None:
    got = own_rows(con, "team")
    assert {r: got[r] for r in ("r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r10")} == {
        "r1": ("web", "team tag"),
        "r2": ("data", "team tag"),
        "r3": ("ml", "team tag"),
        "r4": ("web", "team tag"),
        "r5": ("data", "team tag"),
        "r6": ("data", "data platform account"),
        "r7": ("data", "data platform account"),  # empty tag value counts as absent
        "r8": ("web", "team tag"),
        "r10": ("ml", "gcp storage"),
    }


def test_rows_no_rule_matches_get_the_default_and_no_rule(con) -> None:
    team = own_rows(con, "team")
    assert team["r9"] == ("unallocated", None)
    assert team["r11"] == ("unallocated", None)
    assert own_rows(con, "env")["r2"] == ("none", None)


def test_proportional_split_follows_own_cost_in_period_and_currency(con) -> None:
    # own USD EffectiveCost in 2026-09 per team value (rows r1..r12 above, default excluded)
    own = {
        "web": Decimal("10") + 5 + 2 - 1,
        "data": Decimal("20") + 7 + 8 + Decimal("1.11"),
        "ml": Decimal("30") + 4,
    }
    got = parts(con, "s1", "support")
    want = split(Decimal("100.0000000001"), own)
    assert {v: p[0] for v, p in got.items()} == want
    assert {v: p[1] for v, p in got.items()} == want  # BilledCost split alike
    assert {p[2] for p in got.values()} == {"proportional"}
    assert sum(p[3] for p in got.values()) == 1


def test_proportional_split_of_another_currency_uses_that_currency_only(con) -> None:
    got = parts(con, "e3", "support")
    want = split(Decimal("10.0000000003"), {"web": Decimal(50), "data": Decimal(150)})
    assert {v: p[0] for v, p in got.items()} == want


def test_even_split_gives_the_left_over_unit_by_largest_remainder(con) -> None:
    got = parts(con, "s1", "support even")
    assert {v: p[0] for v, p in got.items()} == {
        "dev": Decimal("50.0000000001"),
        "prod": Decimal("50.0000000000"),
    }
    assert {v: p[3] for v, p in got.items()} == {"dev": Decimal("0.5"), "prod": Decimal("0.5")}


def test_fixed_split_uses_the_percentages(con) -> None:
    weights = {"cc-dev": Decimal("33.3333"), "cc-prod": Decimal("66.6667")}
    for resource, amount in (("s1", "100.0000000001"), ("s2", "0.07")):
        got = parts(con, resource, "support fixed")
        assert {v: p[0] for v, p in got.items()} == split(Decimal(amount), weights)


def test_shared_row_with_no_value_to_go_to_stays_on_the_default(con) -> None:
    got = parts(con, "o2", "support even")  # no env value in 2026-10
    assert got == {"none": (Decimal("0.01"), Decimal("0.01"), None, None)}
    assert {v: p[0] for v, p in parts(con, "o2", "support").items()} == {"ml": Decimal("0.01")}


def test_every_dimension_sums_to_focus_per_period_and_currency(con) -> None:
    focus = con.execute(
        "select x_billing_period, BillingCurrency, sum(EffectiveCost), sum(BilledCost), "
        "sum(ListCost) from focus.cost_and_usage group by all order by all"
    ).fetchall()
    for dim in ("team", "env", "cc"):
        mart = con.execute(
            "select x_billing_period, BillingCurrency, sum(EffectiveCost), sum(BilledCost), "
            "sum(ListCost) from marts.cost_allocation where dimension = $d group by all order by all",
            {"d": dim},
        ).fetchall()
        assert mart == focus, dim


def test_mart_has_the_contract_columns(con) -> None:
    cols = con.execute("describe marts.cost_allocation").fetchall()
    assert [(c[0], c[1]) for c in cols] == [
        ("dimension", "VARCHAR"),
        ("value", "VARCHAR"),
        *((c, "VARCHAR") for c in allocation.GROUP_COLUMNS),
        ("day", "DATE"),
        ("BilledCost", "DECIMAL(38,10)"),
        ("EffectiveCost", "DECIMAL(38,10)"),
        ("ListCost", "DECIMAL(38,10)"),
        ("rule", "VARCHAR"),
        ("shared_rule", "VARCHAR"),
        ("allocated_method_id", "VARCHAR"),
        ("allocated_ratio", "DECIMAL(38,10)"),
    ]


def test_allocation_report_csv_sums_to_the_periods_effective_cost(
    warehouse: Path, con, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)  # no finops.toml, no published snapshot
    monkeypatch.setenv("OPEN_FINOPS_PROJECT_PUBLISH_DIR", str(tmp_path / "published"))
    for period in ("2026-09", "2026-10"):
        code = main(
            [
                "--database",
                str(warehouse),
                "allocation",
                "report",
                "--period",
                period,
                "--by",
                "team",
                "--format",
                "csv",
            ]
        )
        out = capsys.readouterr().out
        assert code == 0
        lines = out.strip().splitlines()
        header = lines[0].split(",")
        assert header[:3] == ["value", "billing_currency", "effective_cost"]
        total = sum(Decimal(line.split(",")[2]) for line in lines[1:])
        (want,) = con.execute(
            "select sum(EffectiveCost) from focus.cost_and_usage where x_billing_period = $p",
            {"p": period},
        ).fetchone()
        assert total == want


def test_allocation_report_unknown_dimension_lists_the_known_ones(
    warehouse: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPEN_FINOPS_PROJECT_PUBLISH_DIR", str(tmp_path / "published"))
    code = main(["--database", str(warehouse), "allocation", "report", "--by", "product"])
    err = capsys.readouterr().err
    assert code != 0
    assert err.strip() == (
        "error: unknown dimension 'product' (hint: known dimensions: cc, env, team)"
    )


def test_build_records_the_trees_and_without_dimensions_the_mart_is_empty(tmp_path: Path) -> None:
    con = db.connect(tmp_path / "w.duckdb")
    budgets = {"monthly": {"amount": 100, "currency": "USD"}}
    build(con, trees={"allocation": {}, "budgets": budgets})
    recorded = dict(con.execute("select section, body from meta.config_trees").fetchall())
    assert recorded == {"allocation": "{}", "budgets": allocation.tree_json(budgets)}
    assert con.execute(f"select count(*) from {allocation.TABLE}").fetchone() == (0,)
    con.close()


def test_build_without_trees_applies_the_recorded_allocation(tmp_path: Path) -> None:
    con = db.connect(tmp_path / "w.duckdb")
    create_raw(con)
    usage = {"line_item_line_item_type": "Usage", "line_item_unblended_cost": "1.25"}
    insert_raw(con, {**usage, "resource_tags": '{"user:team": "web"}'}, usage)
    build(con, trees={"allocation": TREE})
    build(con)  # e.g. a caller without settings: the recorded rules still apply
    got = con.execute(
        "select value, rule, sum(EffectiveCost) from marts.cost_allocation "
        "where dimension = 'team' group by all order by all"
    ).fetchall()
    assert got == [
        ("unallocated", None, Decimal("1.25")),
        ("web", "team tag", Decimal("1.25")),
    ]
    con.close()


def test_focus_1_3_export_replaces_shared_charges_by_their_split_parts(con, tmp_path: Path) -> None:
    out = tmp_path / "focus-1.3.parquet"
    result = export(con, out, focus_version="1.3", period="2026-09")
    assert result.allocation_dimension == "team"  # the first dimension with shared rules
    split = con.execute(
        "select AllocatedResourceName, EffectiveCost, AllocatedMethodId, AllocatedResourceId, "
        "AllocatedTags, json_extract(AllocatedMethodDetails, '$.Elements[0].AllocatedRatio') "
        "from read_parquet($p) where ResourceId = 's1' order by 1",
        {"p": str(out)},
    ).fetchall()
    mart = parts(con, "s1", "support")
    assert [(r[0], r[1]) for r in split] == sorted((v, p[0]) for v, p in mart.items())
    assert {(r[2], r[3], r[4]) for r in split if r[0] == "web"} == {
        ("proportional", "team/web", '{"team":"web"}')
    }
    assert sum(Decimal(str(r[5])) for r in split) == 1
    totals = "select count(*) filter (where AllocatedMethodId is null), sum(EffectiveCost), "
    totals += "sum(BilledCost), sum(ListCost) from "
    got = con.execute(totals + "read_parquet($p)", {"p": str(out)}).fetchone()
    want = con.execute(
        totals + "focus.cost_and_usage where x_billing_period = '2026-09'"
    ).fetchone()
    assert got is not None and want is not None
    assert got[1:] == want[1:]
    assert got[0] == want[0] - 3  # s1, s2 and e3 became their parts
    assert result.rows == got[0] + 3 + 3 + 2  # parts: s1 and s2 to 3 teams, e3 to 2


def test_focus_1_2_export_is_not_split(con, tmp_path: Path) -> None:
    out = tmp_path / "focus-1.2.parquet"
    result = export(con, out, focus_version="1.2", period="2026-09")
    (rows,) = con.execute(
        "select count(*) from focus.cost_and_usage where x_billing_period = '2026-09'"
    ).fetchone() or (0,)
    assert result.rows == rows
    assert result.allocation_dimension is None


def test_an_import_build_reallocates_its_periods_and_a_rule_change_everything(
    tmp_path: Path,
) -> None:
    con = db.connect(tmp_path / "w.duckdb")
    create_raw(con)
    usage = {"line_item_line_item_type": "Usage", "line_item_unblended_cost": "2"}
    october = {"x_billing_period": "2026-10", "line_item_usage_start_date": "2026-10-02"}
    insert_raw(con, {**usage, "resource_tags": '{"team": "web"}'}, {**usage, **october})
    build(con, trees={"allocation": TREE})
    insert_raw(con, {**usage, **october, "resource_tags": '{"team": "data"}'})
    con.execute("update raw_aws.cur set resource_tags = null")  # seen only by a full rebuild
    build(con, changed=[("AWS", "cur", "2026-10")], trees={"allocation": TREE})

    def team() -> list[tuple]:
        return con.execute(
            "select x_billing_period, value, sum(EffectiveCost) from marts.cost_allocation "
            "where dimension = 'team' group by all order by all"
        ).fetchall()

    assert team() == [
        ("2026-09", "web", Decimal(2)),  # not rebuilt: still allocated as before
        ("2026-10", "unallocated", Decimal(4)),
    ]
    everyone = {"dimensions": {"team": {"rules": [{"name": "everyone", "value": "all"}]}}}
    build(con, changed=[("AWS", "cur", "2026-10")], trees={"allocation": everyone})
    assert team() == [("2026-09", "all", Decimal(2)), ("2026-10", "all", Decimal(4))]
    con.close()
