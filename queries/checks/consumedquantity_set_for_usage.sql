-- rule: FOCUS-1.2/ConsumedQuantity/set-for-usage
-- severity: warning
-- spec: ConsumedQuantity MUST NOT be null for Usage rows that are not corrections and not unused commitment (when the provider measures usage).
-- model: focus-validator 2.2.1 model-1.2.0.1 ConsumedQuantity-C-006-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ConsumedQuantity is null and ChargeCategory = 'Usage' and ChargeClass is null and coalesce(CommitmentDiscountStatus, '') <> 'Unused'
