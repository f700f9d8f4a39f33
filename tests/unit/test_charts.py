"""Chart functions: encodings, scales and colour domains of the Vega-Lite specs they return."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from finops_lib import charts


def _daily() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "day": [date(2024, 9, 1), date(2024, 9, 1), date(2024, 9, 2)],
            "provider": ["AWS", "Microsoft", "AWS"],
            "service_category": ["Compute", "Storage", "Compute"],
            "effective_cost": [Decimal("1.50"), Decimal("2.25"), Decimal("3.00")],
        },
        schema_overrides={"effective_cost": pl.Decimal(38, 10)},
    )


def test_daily_cost_colours_providers_with_the_fixed_palette() -> None:
    spec = charts.daily_cost(_daily(), color="provider").to_dict()
    scale = spec["encoding"]["color"]["scale"]
    assert scale["domain"] == ["AWS", "Microsoft"]
    assert scale["range"] == [charts.PROVIDER_COLORS["AWS"], charts.PROVIDER_COLORS["Microsoft"]]


def test_provider_colour_does_not_depend_on_which_providers_are_present() -> None:
    alone = charts.provider_scale(["Microsoft"]).to_dict()
    mixed = charts.provider_scale(["AWS", "Microsoft", "Oracle"]).to_dict()
    assert (
        alone["range"][alone["domain"].index("Microsoft")]
        == mixed["range"][mixed["domain"].index("Microsoft")]
    )


def test_service_category_scale_uses_fixed_colours_and_grey_for_unknown() -> None:
    scale = charts.service_category_scale(["Storage", "Compute", "Made Up"]).to_dict()
    colours = dict(zip(scale["domain"], scale["range"], strict=True))
    assert colours["Compute"] == charts.SERVICE_CATEGORY_COLORS["Compute"]
    assert colours["Storage"] == charts.SERVICE_CATEGORY_COLORS["Storage"]
    assert colours["Made Up"] == charts.SERVICE_CATEGORY_COLORS["Other"]


def test_daily_cost_encodes_day_as_time_and_cost_as_money_axis() -> None:
    spec = charts.daily_cost(_daily()).to_dict()
    assert spec["encoding"]["x"]["field"] == "day" and spec["encoding"]["x"]["type"] == "temporal"
    y = spec["encoding"]["y"]
    assert y["field"] == "effective_cost" and y["type"] == "quantitative"
    assert y["axis"]["labelExpr"] == charts.MONEY_LABEL_EXPR


def test_daily_cost_sums_per_day_and_colour_with_decimals_as_numbers() -> None:
    chart = charts.daily_cost(_daily(), color="service_category")
    values = chart.to_dict()["datasets"]
    rows = next(iter(values.values()))
    compute_day1 = [
        r for r in rows if r["service_category"] == "Compute" and r["day"].startswith("2024-09-01")
    ]
    assert compute_day1 and isinstance(compute_day1[0]["effective_cost"], float)
    assert compute_day1[0]["effective_cost"] == pytest.approx(1.5)


def test_ranked_bars_sort_descending_by_value() -> None:
    frame = pl.DataFrame({"name": ["a", "b"], "effective_cost": [1.0, 2.0]})
    spec = charts.ranked_bars(frame, title="Top").to_dict()
    assert spec["encoding"]["y"]["sort"] == "-x"
    assert spec["mark"]["type"] == "bar"


def test_ranked_bars_with_provider_palette_colours_the_category() -> None:
    frame = pl.DataFrame({"name": ["Oracle", "AWS"], "effective_cost": [1.0, 2.0]})
    color = charts.ranked_bars(frame, palette="provider").to_dict()["encoding"]["color"]
    assert color["field"] == "name"
    assert color["scale"]["range"] == [
        charts.PROVIDER_COLORS["AWS"],
        charts.PROVIDER_COLORS["Oracle"],
    ]


def test_share_bars_use_a_zero_to_one_percent_scale() -> None:
    frame = pl.DataFrame({"tag_key": ["team"], "coverage": [0.4]})
    x = charts.share_bars(frame, "tag_key", "coverage", "Coverage").to_dict()["encoding"]["x"]
    assert x["scale"]["domain"] == [0, 1] and x["axis"]["format"] == "%"


def test_anomaly_chart_layers_cost_expected_and_flagged_points() -> None:
    frame = pl.DataFrame(
        {
            "day": [date(2024, 9, d) for d in (1, 2)],
            "effective_cost": [1.0, 9.0],
            "expected": [1.0, 1.0],
            "score": [0.0, 8.0],
            "anomaly": [False, True],
        }
    )
    spec = charts.anomalies(frame).to_dict()
    marks = [
        layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        for layer in spec["layer"]
    ]
    assert marks == ["line", "line", "point"]
    assert "anomaly" in str(spec["layer"][2]["transform"][0]["filter"])


def test_forecast_draws_budget_rule_only_with_a_budget() -> None:
    frame = pl.DataFrame({"day": [date(2024, 9, 1)], "cumulative": [1.0], "kind": ["actual"]})
    assert "layer" in charts.forecast(frame, budget=100.0).to_dict()
    assert "layer" not in charts.forecast(frame, budget=None).to_dict()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (950, "$950"),
        (1234, "$1.2k"),
        (3_400_000, "$3.4M"),
        (2.1e9, "$2.1B"),
        (0.5, "$0.50"),
        (-1500, "-$1.5k"),
        (None, "-"),
    ],
)
def test_money_reads_like_a_person_would_write_it(value: float | None, text: str) -> None:
    assert charts.money(value) == text


def test_to_svg_renders_locally() -> None:
    svg = charts.to_svg(charts.daily_cost(_daily()))
    assert svg.lstrip().startswith("<svg") and "http://" not in svg.replace("http://www.w3.org", "")


def test_monthly_stacked_uses_the_service_category_palette_when_asked() -> None:
    frame = pl.DataFrame(
        {
            "billing_period": ["2024-08", "2024-09"],
            "name": ["Compute", "Storage"],
            "effective_cost": [1.0, 2.0],
        }
    )
    color = charts.monthly_stacked(frame, palette="service_category").to_dict()["encoding"]["color"]
    assert color["scale"]["range"] == [
        charts.SERVICE_CATEGORY_COLORS["Compute"],
        charts.SERVICE_CATEGORY_COLORS["Storage"],
    ]
    plain = charts.monthly_stacked(frame, palette="account").to_dict()["encoding"]["color"]
    assert "scale" not in plain
