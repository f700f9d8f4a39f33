-- rule: FOCUS-1.2/PricingUnit/null-iff-quantity
-- severity: error
-- spec: PricingUnit MUST be null if and only if PricingQuantity is null.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where (PricingQuantity is null) <> (PricingUnit is null)
