"""The conformance checker: a conformant dataset passes, and each broken rule is caught on any row."""

from __future__ import annotations

import duckdb
import pytest
from focus_rows import (
    PURCHASE,
    SP_USED,
    TAX,
    UNUSED,
    USED,
    conformant_rows,
    insert_rows,
    make_table,
)

from finops_lib import checks
from finops_lib.errors import FinopsError

# One hand-written violation per rule: (overrides of one extra row, the rule that must catch it).
VIOLATIONS: list[tuple[dict, str]] = [
    ({"ChargeCategory": "usage"}, "FOCUS-1.2/ChargeCategory/allowed-values"),
    ({"ConsumedUnit": "Hrs"}, "FOCUS-1.2/ConsumedUnit/unit-format"),
    ({"PricingUnit": "GB-Mo"}, "FOCUS-1.2/PricingUnit/unit-format"),
    (
        {**USED, "CommitmentDiscountQuantity": 1, "CommitmentDiscountUnit": "days"},
        "FOCUS-1.2/CommitmentDiscountUnit/unit-format",
    ),
    ({"ChargeClass": "correction"}, "FOCUS-1.2/ChargeClass/allowed-values"),
    ({"ChargeFrequency": "Monthly"}, "FOCUS-1.2/ChargeFrequency/allowed-values"),
    ({"PricingCategory": "On-Demand"}, "FOCUS-1.2/PricingCategory/allowed-values"),
    (
        {**USED, "CommitmentDiscountStatus": "Active"},
        "FOCUS-1.2/CommitmentDiscountStatus/allowed-values",
    ),
    (
        {**USED, "CommitmentDiscountCategory": "Compute"},
        "FOCUS-1.2/CommitmentDiscountCategory/allowed-values",
    ),
    (
        {"CapacityReservationId": "cr-1", "CapacityReservationStatus": "Active"},
        "FOCUS-1.2/CapacityReservationStatus/allowed-values",
    ),
    ({**TAX, "ServiceCategory": "Taxes"}, "FOCUS-1.2/ServiceCategory/allowed-values"),
    ({"ServiceSubcategory": "Object Storage"}, "FOCUS-1.2/ServiceSubcategory/allowed-values"),
    ({"ServiceSubcategory": "Virtual machines"}, "FOCUS-1.2/ServiceSubcategory/allowed-values"),
    ({"BillingCurrency": "usd"}, "FOCUS-1.2/BillingCurrency/iso-4217"),
    ({"BillingCurrency": "XYZ"}, "FOCUS-1.2/BillingCurrency/iso-4217"),
    ({"PricingCurrency": "CREDITS"}, "FOCUS-1.2/PricingCurrency/format"),
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
        {"CommitmentDiscountType": "Reserved Instance"},
        "FOCUS-1.2/CommitmentDiscountType/null-iff-id",
    ),
    (
        {**USED, "CommitmentDiscountCategory": None},
        "FOCUS-1.2/CommitmentDiscountCategory/null-iff-id",
    ),
    ({"CommitmentDiscountName": "ri-1"}, "FOCUS-1.2/CommitmentDiscountName/null-without-id"),
    (
        {"CommitmentDiscountQuantity": 1, "CommitmentDiscountUnit": "Hours"},
        "FOCUS-1.2/CommitmentDiscountQuantity/null-without-id",
    ),
    (
        {**USED, "CommitmentDiscountQuantity": 1},
        "FOCUS-1.2/CommitmentDiscountUnit/null-iff-quantity",
    ),
    (
        {"CapacityReservationStatus": "Used"},
        "FOCUS-1.2/CapacityReservationStatus/null-without-id",
    ),
    (
        {"CapacityReservationId": "cr-1", "CapacityReservationStatus": None},
        "FOCUS-1.2/CapacityReservationStatus/null-without-id",
    ),
    (
        {**TAX, "ConsumedQuantity": 1, "ConsumedUnit": "Hours"},
        "FOCUS-1.2/ConsumedQuantity/usage-only",
    ),
    (
        {**UNUSED, "ConsumedQuantity": 3, "ConsumedUnit": "Hours"},
        "FOCUS-1.2/ConsumedQuantity/usage-only",
    ),
    ({"ConsumedQuantity": None, "ConsumedUnit": None}, "FOCUS-1.2/ConsumedQuantity/set-for-usage"),
    ({"ConsumedUnit": None}, "FOCUS-1.2/ConsumedUnit/null-iff-quantity"),
    ({"PricingUnit": None}, "FOCUS-1.2/PricingUnit/null-iff-quantity"),
    ({"RegionName": None}, "FOCUS-1.2/RegionName/null-iff-id"),
    ({"SubAccountId": None}, "FOCUS-1.2/SubAccountName/null-without-id"),
    (
        {"SubAccountId": None, "SubAccountName": None},
        "FOCUS-1.2/SubAccountType/null-without-id",
    ),
    ({"SubAccountType": None}, "FOCUS-1.2/SubAccountType/set-with-id"),
    ({"ResourceId": None}, "FOCUS-1.2/ResourceName-ResourceType/null-without-id"),
    ({"ResourceType": None}, "FOCUS-1.2/ResourceType/null-iff-id"),
    ({"SkuMeter": None}, "FOCUS-1.2/SkuMeter/set-with-sku"),
    (
        {**PURCHASE, "ChargeFrequency": "Usage-Based"},
        "FOCUS-1.2/ChargeFrequency/purchase-not-usage-based",
    ),
    ({"PricingCategory": "Committed"}, "FOCUS-1.2/PricingCategory/committed-needs-commitment"),
    (
        {**PURCHASE, "PricingCategory": "Committed"},
        "FOCUS-1.2/PricingCategory/committed-needs-commitment",
    ),
    ({**TAX, "SkuId": "X"}, "FOCUS-1.2/Tax/no-pricing-columns"),
    ({**TAX, "PricingCategory": "Standard"}, "FOCUS-1.2/Tax/no-pricing-columns"),
    ({**TAX, "PricingCurrencyListUnitPrice": 1}, "FOCUS-1.2/Tax/no-pricing-columns"),
    ({"ListUnitPrice": -1, "ListCost": -10}, "FOCUS-1.2/UnitPrices/non-negative"),
    ({"PricingCurrencyContractedUnitPrice": -1}, "FOCUS-1.2/UnitPrices/non-negative"),
    (
        {"PricingQuantity": None, "PricingUnit": None},
        "FOCUS-1.2/PricingQuantity/set-for-usage-purchase",
    ),
    (
        {"SkuPriceId": None, "SkuPriceDetails": None},
        "FOCUS-1.2/PricingQuantity/set-for-usage-purchase",
    ),
    ({"ChargeClass": "Refund"}, "FOCUS-1.2/ChargeClass/allowed-values"),
    ({"ChargePeriodEnd": "2026-09-01 00:00:00+00"}, "FOCUS-1.2/ChargePeriod/start-before-end"),
    (
        {"ChargePeriodEnd": "2026-09-02 00:00:00+00"},
        "FOCUS-1.2/ChargePeriod/start-before-end",
    ),
    (
        {"BillingPeriodEnd": "2026-09-01 00:00:00+00"},
        "FOCUS-1.2/BillingPeriod/start-before-end",
    ),
    ({"Tags": '["a"]'}, "FOCUS-1.2/Tags/json-object"),
    ({"SkuPriceDetails": '"t3.micro"'}, "FOCUS-1.2/SkuPriceDetails/json-object"),
    ({"SkuPriceId": None}, "FOCUS-1.2/SkuPriceDetails/json-object"),
    ({"SkuPriceDetails": '{"Cores": 2}'}, "FOCUS-1.2/SkuPriceDetails/keys"),
    ({"ListCost": 25}, "FOCUS-1.2/ListCost/unit-price-times-quantity"),
    ({"ContractedCost": 25}, "FOCUS-1.2/ContractedCost/unit-price-times-quantity"),
    ({**PURCHASE, "EffectiveCost": 100}, "FOCUS-1.2/EffectiveCost/prepaid-purchase-zero"),
    # A second covered-usage row: the savings plan's usage now amortises 100 against a 50 fee.
    (SP_USED, "FOCUS-1.2/EffectiveCost/commitment-amortisation"),
    ({**UNUSED, "BilledCost": 3}, "project/CommitmentDiscountStatus/unused-not-billed"),
    (
        {"ServiceCategory": "Storage", "ServiceSubcategory": "Object Storage"},
        "FOCUS-1.2/ServiceName/one-category",
    ),
]
# Every not-null rule: the column set to NULL on one row (its file is named not_null_<Column>).
NOT_NULL = [
    ({r.rule_id.split("/")[1]: None}, r.rule_id)
    for r in checks.load_rules()
    if r.rule_id.endswith("/not-null")
]
# Rules about the column set rather than rows, tested by their own tests below.
COLUMN_RULES = {
    "FOCUS-1.2/columns/present",
    "FOCUS-1.2/columns/data-type",
    "FOCUS-1.2/columns/custom-prefix",
    "FOCUS-1.2/columns/custom-order",
}


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


def test_every_rule_has_a_violation_test():
    tested = {rule_id for _, rule_id in VIOLATIONS + NOT_NULL} | COLUMN_RULES
    assert {r.rule_id for r in checks.load_rules()} - tested == set()


def test_every_rule_file_names_its_rule_severity_and_spec_text():
    for rule in checks.load_rules():
        assert rule.severity in ("error", "warning"), rule.name
        assert rule.rule_id.startswith(("FOCUS-1.2/", "project/")), rule.name
        assert len(rule.spec) > 20, rule.name
    ids = [r.rule_id for r in checks.load_rules()]
    assert len(ids) == len(set(ids))


def test_one_bad_enum_row_among_many_is_caught():
    # The official validator passes a column when any row holds an allowed value; this must not.
    rows = conformant_rows() * 5 + [
        {"ChargeCategory": "usage"},
        {**TAX, "ServiceCategory": "Taxes"},
    ]
    results = run(rows)
    assert results["FOCUS-1.2/ChargeCategory/allowed-values"].failing == 1
    assert results["FOCUS-1.2/ServiceCategory/allowed-values"].failing == 1
    assert results["FOCUS-1.2/ChargeCategory/allowed-values"].sample[0]["ChargeCategory"] == "usage"


@pytest.fixture(scope="module")
def conformant_db():
    """One in-memory database holding the conformant rows, copied per test (fast)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    make_table(con, conformant_rows(), name="focus_conformant")
    return con


@pytest.mark.parametrize(("override", "rule_id"), VIOLATIONS + NOT_NULL)
def test_rule_catches_its_violation(conformant_db, override, rule_id):
    con = conformant_db.cursor()
    con.execute("create or replace temp table focus_input as from focus_conformant")
    insert_rows(con, [override])
    results = {
        r.rule.rule_id: r for r in checks.run_checks(con, table="focus_input", rules=rule_id)
    }
    assert set(results) == {rule_id}
    assert not results[rule_id].ok, f"{rule_id} missed {override}"
    assert results[rule_id].error is None, results[rule_id].error


def test_missing_column_is_reported_and_does_not_pass_silently():
    results = run(conformant_rows(), drop=("ServiceName",))
    assert results["FOCUS-1.2/columns/present"].failing == 1
    # the query needing the column errors: reported as failed, not passed
    assert results["FOCUS-1.2/ServiceName/one-category"].error is not None
    assert not results["FOCUS-1.2/ServiceName/one-category"].ok


@pytest.mark.parametrize(
    ("column", "bad_type"), [("BilledCost", "VARCHAR"), ("ListCost", "BIGINT")]
)
def test_wrong_type_is_reported(column, bad_type):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    make_table(con, conformant_rows())
    con.execute(f"alter table focus_input alter {column} type {bad_type}")
    results = {r.rule.rule_id: r for r in checks.run_checks(con, table="focus_input")}
    assert [s["column_name"] for s in results["FOCUS-1.2/columns/data-type"].sample] == [column]


def test_naive_timestamp_is_a_type_error():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    make_table(con, conformant_rows())
    con.execute("alter table focus_input alter ChargePeriodStart type timestamp")
    results = {r.rule.rule_id: r for r in checks.run_checks(con, table="focus_input")}
    assert results["FOCUS-1.2/columns/data-type"].failing == 1


@pytest.mark.parametrize(
    ("select", "rule_id"),
    [
        ("select *, 1 as CustomThing from focus_input", "FOCUS-1.2/columns/custom-prefix"),
        ("select 1 as x_first, * from focus_input", "FOCUS-1.2/columns/custom-order"),
    ],
)
def test_custom_columns_are_prefixed_and_last(select, rule_id):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    make_table(con, conformant_rows())
    con.execute(f"create table focus_custom as {select}")
    con.execute("drop table focus_input")
    con.execute("alter table focus_custom rename to focus_input")
    results = {r.rule.rule_id: r for r in checks.run_checks(con, table="focus_input")}
    assert failing_ids(results) == {rule_id}


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
    with pytest.raises(FinopsError, match="no rows for billing period 2027-01"):
        run(conformant_rows(), period="2027-01")


def test_period_check_sees_an_upfront_purchase_of_an_earlier_period():
    # RI bought upfront in August; in September its usage amortises more than the recurring fee.
    august = {
        "BillingPeriodStart": "2026-08-01 00:00:00+00",
        "BillingPeriodEnd": "2026-09-01 00:00:00+00",
        "ChargePeriodStart": "2026-08-01 00:00:00+00",
        "ChargePeriodEnd": "2026-09-01 00:00:00+00",
    }
    rows = [
        *conformant_rows(),
        {**PURCHASE, **august},
        {
            **PURCHASE,
            "ChargeFrequency": "Recurring",
            "BilledCost": 1,
            "ListCost": 1,
            "ContractedCost": 1,
            "ListUnitPrice": 1,
            "ContractedUnitPrice": 1,
        },
    ]
    assert run(rows, period="2026-09")["FOCUS-1.2/EffectiveCost/commitment-amortisation"].ok


def test_rule_glob_selects_rules_and_an_unmatched_glob_is_an_error():
    results = run(conformant_rows(), rules="*ChargeCategory*")
    assert set(results) == {
        "FOCUS-1.2/ChargeCategory/allowed-values",
        "FOCUS-1.2/ChargeCategory/not-null",
    }
    with pytest.raises(FinopsError, match="no conformance rule matches"):
        run(conformant_rows(), rules="nothing*")


@pytest.mark.parametrize("table", ["main.users; drop table x", "focus.other", 'focus_input"'])
def test_tables_outside_the_allowlist_are_refused(table):
    with pytest.raises(FinopsError, match="cannot check"):
        checks.run_checks(duckdb.connect(), table=table)


def test_missing_table_is_an_error_with_a_hint():
    with pytest.raises(FinopsError, match="does not exist"):
        checks.run_checks(duckdb.connect(), table="focus.cost_and_usage")


def test_markdown_report_lists_failures_first_with_sample_rows():
    results = list(run([*conformant_rows(), {"ChargeFrequency": "Monthly"}]).values())
    report = checks.markdown_report(results)
    lines = report.splitlines()
    assert lines[2] == f"{len(results)} rules: {len(results) - 1} pass, 1 errors, 0 warnings."
    assert lines[6].startswith("| FAIL | FOCUS-1.2/ChargeFrequency/allowed-values | error | 1 |")
    assert "### FOCUS-1.2/ChargeFrequency/allowed-values" in report
    assert "| Monthly |" in report.split("## Sample failing rows")[1]


def test_rich_table_shows_failures_only_unless_asked():
    results = list(run([*conformant_rows(), {"ChargeFrequency": "Monthly"}]).values())
    assert checks.rich_table(results).row_count == 1
    assert checks.rich_table(results, show_passing=True).row_count == len(results)
