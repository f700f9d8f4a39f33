-- rule: FOCUS-1.2/EffectiveCost/prepaid-purchase-zero
-- severity: error
-- spec: EffectiveCost MUST be 0 for Purchase charges of commitments that cover future charges (the cost is amortised onto the covered usage).
-- model: focus-validator 2.2.1 model-1.2.0.1 EffectiveCost-C-005-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargeCategory = 'Purchase' and CommitmentDiscountId is not null and ChargeClass is null and EffectiveCost <> 0
