-- rule: FOCUS-1.2/ListCost/unit-price-times-quantity
-- severity: warning
-- spec: ListCost MUST equal ListUnitPrice x PricingQuantity for non-correction rows where both are set (tolerance: 0.01 in billing currency plus 0.0001 relative, for rounded unit prices and tiered SKUs).
-- model: focus-validator 2.2.1 model-1.2.0.1 ListCost-C-009-C, ListUnitPrice-C-010-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargeClass is null and ListUnitPrice is not null and PricingQuantity is not null and abs(ListCost - ListUnitPrice * PricingQuantity) > 0.01 + 0.0001 * abs(ListCost)
