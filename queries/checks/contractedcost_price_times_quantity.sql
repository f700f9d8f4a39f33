-- rule: FOCUS-1.2/ContractedCost/unit-price-times-quantity
-- severity: warning
-- spec: ContractedCost MUST equal ContractedUnitPrice x PricingQuantity for non-correction rows where both are set (same tolerance as ListCost).
-- model: focus-validator 2.2.1 model-1.2.0.1 ContractedCost-C-009-C, ContractedUnitPrice-C-011-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargeClass is null and ContractedUnitPrice is not null and PricingQuantity is not null and abs(ContractedCost - ContractedUnitPrice * PricingQuantity) > 0.01 + 0.0001 * abs(ContractedCost)
