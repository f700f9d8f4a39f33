-- rule: FOCUS-1.2/CommitmentDiscountType/null-iff-id
-- severity: error
-- spec: CommitmentDiscountType MUST be null if and only if CommitmentDiscountId is null.
-- model: focus-validator 2.2.1 model-1.2.0.1 CommitmentDiscountType-C-004-C, CommitmentDiscountType-C-005-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where (CommitmentDiscountId is null) <> (CommitmentDiscountType is null)
