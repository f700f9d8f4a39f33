-- rule: FOCUS-1.2/CommitmentDiscountQuantity/null-without-id
-- severity: error
-- spec: CommitmentDiscountQuantity MUST be null when CommitmentDiscountId is null or ChargeCategory is not Usage or Purchase.
-- model: focus-validator 2.2.1 model-1.2.0.1 CommitmentDiscountQuantity-C-007-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where CommitmentDiscountQuantity is not null and (CommitmentDiscountId is null or ChargeCategory not in ('Usage', 'Purchase'))
