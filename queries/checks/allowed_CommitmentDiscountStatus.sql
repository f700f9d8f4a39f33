-- rule: FOCUS-1.2/CommitmentDiscountStatus/allowed-values
-- severity: error
-- spec: CommitmentDiscountStatus MUST be one of the allowed values on every row (the official validator only checks that some row does).
-- model: focus-validator 2.2.1 model-1.2.0.1 CommitmentDiscountStatus-C-005-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input
where CommitmentDiscountStatus is not null
    and CommitmentDiscountStatus not in (select value from check_allowed_values where column_name = 'CommitmentDiscountStatus')
