"""[allocation] validation: every bad rule is a one-line ConfigError naming the rule."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finops_lib import allocation
from finops_lib.cli import main
from finops_lib.config import load_settings
from finops_lib.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def team(*rules: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"dimensions": {"team": {"rules": list(rules), **extra}}}


GOOD = {"name": "team tag", "tag": ["team", "Team", "user:team"]}


def shared(**rule: Any) -> dict[str, Any]:
    return {**team(GOOD), "shared": [rule]}


SUPPORT = {"name": "support", "dimension": "team", "where": {"ServiceName": "AWS Support*"}}


def test_a_valid_tree_parses_in_order_with_the_default_default() -> None:
    tree = team(
        GOOD,
        {
            "name": "data platform account",
            "value": "data",
            "where": {"SubAccountId": "123456789012", "ServiceName": ["Amazon S3", "re:^Cloud"]},
        },
    )
    parsed = allocation.parse(tree)
    dim = parsed.dimension("team")
    assert dim is not None
    assert dim.default == "unallocated"
    assert [r.name for r in dim.rules] == ["team tag", "data platform account"]
    assert dim.rules[0].tags == ("team", "Team", "user:team")
    kinds = [p.kind for p in dim.rules[1].where[1].patterns]
    assert kinds == ["exact", "regex"]


def test_empty_tree_has_no_dimensions() -> None:
    assert allocation.parse({}) == allocation.Allocation()
    assert allocation.parse(None).dimensions == ()


def test_glob_becomes_like_with_sql_wildcards_escaped() -> None:
    rule = {"name": "r", "value": "x", "where": {"ResourceId": "a_b%*c?"}}
    dim = allocation.parse(team(rule)).dimension("team")
    assert dim is not None
    assert dim.rules[0].where[0].patterns[0] == allocation.Pattern("like", "a\\_b\\%%c_")


def test_fixed_weights_are_kept_exactly() -> None:
    tree = shared(**SUPPORT, method="fixed", weights={"web": 33.3333, "data": 66.6667})
    rule = allocation.parse(tree).shared[0]
    assert dict(rule.weights) == {"web": Decimal("33.3333"), "data": Decimal("66.6667")}


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        (
            team({"name": "team tag", "tag": "team", "where": {"Foo": "x"}}),
            'allocation rule "team tag" of dimension team: unknown column Foo',
        ),
        (
            team({"name": "svc", "value": "x", "where": {"servicename": "x"}}),
            'allocation rule "svc" of dimension team: unknown column servicename (did you mean ServiceName?)',
        ),
        (
            team({"name": "bad re", "value": "x", "where": {"ServiceName": "re:(unclosed"}}),
            'allocation rule "bad re" of dimension team: bad regex',
        ),
        (
            team({"name": "empty", "value": "x", "where": {"ServiceName": ""}}),
            'allocation rule "empty" of dimension team: empty pattern',
        ),
        (
            team({"name": "num", "value": "x", "where": {"ServiceName": 3}}),
            'allocation rule "num" of dimension team: ServiceName must be a string or a list',
        ),
        (team({"value": "x"}), "allocation rule #1 of dimension team: missing name"),
        (
            team(GOOD, {"name": "team tag", "value": "x"}),
            'allocation rule "team tag" of dimension team: duplicate name',
        ),
        (
            team({"name": "both", "value": "x", "tag": "team"}),
            'allocation rule "both" of dimension team: set exactly one of value or tag',
        ),
        (
            team({"name": "neither", "where": {"ServiceName": "x"}}),
            'allocation rule "neither" of dimension team: set exactly one of value or tag',
        ),
        (
            team({"name": "typo", "value": "x", "whre": {}}),
            'allocation rule "typo" of dimension team: unknown key(s) whre',
        ),
        (team(GOOD, default=""), "allocation dimension team: default must be"),
        ({"dimension": {}}, "[allocation]: unknown key(s) dimension"),
        (
            shared(**SUPPORT, method="by_usage"),
            "shared allocation rule \"support\": unknown method 'by_usage'",
        ),
        (
            shared(**{**SUPPORT, "dimension": "product"}, method="even"),
            "shared allocation rule \"support\": unknown dimension 'product' (configured: team)",
        ),
        (
            shared(**SUPPORT, method="fixed", weights={"web": 50, "data": 30}),
            'shared allocation rule "support": weights sum to 80, not 100',
        ),
        (
            shared(**SUPPORT, method="fixed"),
            'shared allocation rule "support": method fixed needs weights',
        ),
        (
            shared(**SUPPORT, method="even", weights={"web": 100}),
            'shared allocation rule "support": weights apply to method fixed only',
        ),
        (
            shared(**{**SUPPORT, "where": {"Nope": "x"}}, method="even"),
            'shared allocation rule "support": unknown column Nope',
        ),
        (
            {
                **team(GOOD),
                "shared": [{**SUPPORT, "method": "even"}, {**SUPPORT, "method": "even"}],
            },
            'shared allocation rule "support": duplicate name',
        ),
        (
            shared(dimension="team", method="even", where={"ServiceName": "x"}),
            "shared allocation rule #1: missing name",
        ),
    ],
)
def test_bad_rule_is_a_config_error_naming_it(tree: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        allocation.parse(tree)
    assert str(info.value.message).startswith(message)
    assert "\n" not in str(info.value)


def test_bad_rule_fails_the_build_command_in_one_line(tmp_path: Path, capsys) -> None:
    config = tmp_path / "finops.toml"
    config.write_text(
        '[[allocation.dimensions.team.rules]]\nname = "team tag"\ntag = "team"\n'
        'where = { Foo = "x" }\n'
    )
    code = main(
        ["--config", str(config), "--database", str(tmp_path / "w.duckdb"), "focus", "build"]
    )
    err = capsys.readouterr().err.strip()
    assert code == ConfigError.exit_code
    assert err.splitlines() == [err]
    assert 'allocation rule "team tag" of dimension team: unknown column Foo' in err


def test_example_config_allocation_section_is_valid() -> None:
    with (ROOT / "finops.example.toml").open("rb") as fh:
        example = tomllib.load(fh)
    assert "allocation" in example, "finops.example.toml documents [allocation]"
    settings = load_settings(ROOT / "finops.example.toml", env={})
    parsed = allocation.parse(settings.tree("allocation"))
    assert parsed.dimension("team") is not None
    assert parsed.shared
