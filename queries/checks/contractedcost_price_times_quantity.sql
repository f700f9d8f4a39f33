-- rule: FOCUS-1.2/ContractedCost/unit-price-times-quantity
-- severity: warning
-- spec: ContractedCost MUST equal ContractedUnitPrice x PricingQuantity for non-correction rows where both are set (same tolerance as ListCost).
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargeClass is null and ContractedUnitPrice is not null and PricingQuantity is not null and abs(ContractedCost - ContractedUnitPrice * PricingQuantity) > 0.01 + 0.0001 * abs(ContractedCost)
