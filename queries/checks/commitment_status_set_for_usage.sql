-- rule: FOCUS-1.2/CommitmentDiscountStatus/set-for-usage
-- severity: error
-- spec: CommitmentDiscountStatus MUST NOT be null when CommitmentDiscountId is not null and ChargeCategory is Usage.
-- model: focus-validator 2.2.1 model-1.2.0.1 CommitmentDiscountStatus-C-004-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where CommitmentDiscountId is not null and ChargeCategory = 'Usage' and CommitmentDiscountStatus is null
