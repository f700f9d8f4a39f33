-- rule: FOCUS-1.2/CommitmentDiscountName/null-without-id
-- severity: error
-- spec: CommitmentDiscountName MUST be null when CommitmentDiscountId is null.
-- model: focus-validator 2.2.1 model-1.2.0.1 CommitmentDiscountName-C-004-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where CommitmentDiscountId is null and CommitmentDiscountName is not null
