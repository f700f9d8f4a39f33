-- rule: FOCUS-1.2/CommitmentDiscountCategory/null-iff-id
-- severity: error
-- spec: CommitmentDiscountCategory MUST be null if and only if CommitmentDiscountId is null.
-- model: focus-validator 2.2.1 model-1.2.0.1 CommitmentDiscountCategory-C-003-C, CommitmentDiscountCategory-C-004-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where (CommitmentDiscountId is null) <> (CommitmentDiscountCategory is null)
