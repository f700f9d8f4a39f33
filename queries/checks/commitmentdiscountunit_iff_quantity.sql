-- rule: FOCUS-1.2/CommitmentDiscountUnit/null-iff-quantity
-- severity: error
-- spec: CommitmentDiscountUnit MUST be null if and only if CommitmentDiscountQuantity is null.
-- model: focus-validator 2.2.1 model-1.2.0.1 CommitmentDiscountUnit-C-005-C, CommitmentDiscountUnit-C-006-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where (CommitmentDiscountQuantity is null) <> (CommitmentDiscountUnit is null)
