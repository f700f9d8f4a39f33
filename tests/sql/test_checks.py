"""The conformance checker: a conformant dataset passes, and each broken rule is caught on any row."""

from __future__ import annotations

import duckdb
import pytest
from focus_rows import PURCHASE, TAX, UNUSED, USED, conformant_rows, make_table

from finops_lib import checks
from finops_lib.errors import FinopsError


def run(rows, **kw):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    make_table(con, rows, drop=kw.pop("drop", ()))
    return {r.rule.rule_id: r for r in checks.run_checks(con, table="focus_input", **kw)}


def failing_ids(results, severity=None):
    return {
        k
        for k, r in results.items()
        if not r.ok and (severity is None or r.rule.severity == severity)
    }


def test_conformant_dataset_passes_every_rule():
    results = run(conformant_rows())
    assert len(results) == len(checks.load_rules()) > 60
    assert failing_ids(results) == set(), {
        k: results[k].error or results[k].sample for k in failing_ids(results)
    }


def test_one_bad_enum_row_among_many_is_caught():
    # The official validator passes a column when any row holds an allowed value; this must not.
    rows = conformant_rows() * 5 + [
        {"ChargeCategory": "usage"},
        {**TAX, "ServiceCategory": "Taxes"},
    ]
    results = run(rows)
    assert results["FOCUS-1.2/ChargeCategory/allowed-values"].failing == 1
    assert results["FOCUS-1.2/ServiceCategory/allowed-values"].failing == 1


@pytest.mark.parametrize(
    ("override", "rule_id"),
    [
        ({"ChargeFrequency": "Monthly"}, "FOCUS-1.2/ChargeFrequency/allowed-values"),
        ({"PricingCategory": "On-Demand"}, "FOCUS-1.2/PricingCategory/allowed-values"),
        (
            {**USED, "CommitmentDiscountStatus": "Active"},
            "FOCUS-1.2/CommitmentDiscountStatus/allowed-values",
        ),
        ({"ServiceSubcategory": "Object Storage"}, "FOCUS-1.2/ServiceSubcategory/allowed-values"),
        ({"BilledCost": None}, "FOCUS-1.2/BilledCost/not-null"),
        ({"ServiceName": None}, "FOCUS-1.2/ServiceName/not-null"),
        ({"BillingCurrency": "usd"}, "FOCUS-1.2/BillingCurrency/iso-4217"),
        (
            {"CommitmentDiscountStatus": "Used"},
            "FOCUS-1.2/CommitmentDiscountStatus/null-without-id",
        ),
        (
            {**USED, "CommitmentDiscountStatus": None},
            "FOCUS-1.2/CommitmentDiscountStatus/set-for-usage",
        ),
        ({**USED, "CommitmentDiscountType": None}, "FOCUS-1.2/CommitmentDiscountType/null-iff-id"),
        (
            {**TAX, "ConsumedQuantity": 1, "ConsumedUnit": "Hours"},
            "FOCUS-1.2/ConsumedQuantity/usage-only",
        ),
        (
            {**UNUSED, "ConsumedQuantity": 3, "ConsumedUnit": "Hours"},
            "FOCUS-1.2/ConsumedQuantity/usage-only",
        ),
        ({"ConsumedUnit": None}, "FOCUS-1.2/ConsumedUnit/null-iff-quantity"),
        ({"PricingUnit": None}, "FOCUS-1.2/PricingUnit/null-iff-quantity"),
        ({"RegionName": None}, "FOCUS-1.2/RegionName/null-iff-id"),
        ({"SubAccountId": None}, "FOCUS-1.2/SubAccountName/null-without-id"),
        (
            {**PURCHASE, "ChargeFrequency": "Usage-Based"},
            "FOCUS-1.2/ChargeFrequency/purchase-not-usage-based",
        ),
        ({"PricingCategory": "Committed"}, "FOCUS-1.2/PricingCategory/committed-needs-commitment"),
        ({**TAX, "SkuId": "X"}, "FOCUS-1.2/Tax/no-pricing-columns"),
        ({"ListUnitPrice": -1, "ListCost": -10}, "FOCUS-1.2/UnitPrices/non-negative"),
        ({"ChargeClass": "Refund"}, "FOCUS-1.2/ChargeClass/values"),
        ({"ChargePeriodEnd": "2026-09-01 00:00:00+00"}, "FOCUS-1.2/ChargePeriod/start-before-end"),
        (
            {"BillingPeriodEnd": "2026-09-01 00:00:00+00"},
            "FOCUS-1.2/BillingPeriod/start-before-end",
        ),
        ({"Tags": '["a"]'}, "FOCUS-1.2/Tags/json-object"),
        ({"SkuPriceDetails": '{"Cores": 2}'}, "FOCUS-1.2/SkuPriceDetails/keys"),
        ({"ListCost": 25}, "FOCUS-1.2/ListCost/unit-price-times-quantity"),
        ({**PURCHASE, "EffectiveCost": 100}, "FOCUS-1.2/EffectiveCost/prepaid-purchase-zero"),
        ({**UNUSED, "BilledCost": 3}, "FOCUS-1.2/CommitmentDiscountStatus/unused-not-billed"),
        (
            {"ServiceCategory": "Storage", "ServiceSubcategory": "Object Storage"},
            "FOCUS-1.2/ServiceName/one-category",
        ),
    ],
)
def test_rule_catches_its_violation(override, rule_id):
    results = run([*conformant_rows(), override])
    assert rule_id in results
    assert not results[rule_id].ok, f"{rule_id} missed {override}"


def test_missing_column_is_reported_and_does_not_pass_silently():
    results = run(conformant_rows(), drop=("ServiceName",))
    assert results["FOCUS-1.2/columns/present"].failing == 1
    assert not results[
        "FOCUS-1.2/ServiceName/one-category"
    ].ok  # the query errors: reported, not passed


def test_wrong_type_is_reported():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    make_table(con, conformant_rows())
    con.execute("alter table focus_input alter BilledCost type varchar")
    results = {r.rule.rule_id: r for r in checks.run_checks(con, table="focus_input")}
    assert results["FOCUS-1.2/columns/data-type"].sample[0]["column_name"] == "BilledCost"


def test_period_filter_is_bound_and_validated():
    results = run(
        [
            *conformant_rows(),
            {
                "ChargeCategory": "usage",
                "BillingPeriodStart": "2026-08-01 00:00:00+00",
                "BillingPeriodEnd": "2026-09-01 00:00:00+00",
            },
        ],
        period="2026-09",
    )
    assert results["FOCUS-1.2/ChargeCategory/allowed-values"].ok
    with pytest.raises(FinopsError, match="bad period"):
        run(conformant_rows(), period="2026-9'; drop")


def test_unknown_table_is_refused():
    with pytest.raises(FinopsError, match="cannot check"):
        checks.run_checks(duckdb.connect(), table="main.users; drop table x")


def test_markdown_report_lists_failures_first():
    results = list(run([*conformant_rows(), {"ChargeCategory": "usage"}]).values())
    report = checks.markdown_report(results)
    assert report.splitlines()[6].startswith("| FAIL | FOCUS-1.2/ChargeCategory/allowed-values")


def test_resource_type_required_with_resource_id_when_supported():
    results = run([*conformant_rows(), {"ResourceType": None}])
    assert not results["FOCUS-1.2/ResourceType/null-iff-id"].ok
