-- rule: FOCUS-1.2/CommitmentDiscountType/null-iff-id
-- severity: error
-- spec: CommitmentDiscountType MUST be null if and only if CommitmentDiscountId is null.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where (CommitmentDiscountId is null) <> (CommitmentDiscountType is null)
