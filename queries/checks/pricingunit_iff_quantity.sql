-- rule: FOCUS-1.2/PricingUnit/null-iff-quantity
-- severity: error
-- spec: PricingUnit MUST be null if and only if PricingQuantity is null.
-- model: focus-validator 2.2.1 model-1.2.0.1 PricingUnit-C-005-C, PricingUnit-C-006-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where (PricingQuantity is null) <> (PricingUnit is null)
