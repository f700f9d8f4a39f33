-- rule: FOCUS-1.2/CommitmentDiscountQuantity/null-without-id
-- severity: error
-- spec: CommitmentDiscountQuantity MUST be null when CommitmentDiscountId is null or ChargeCategory is not Usage or Purchase.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where CommitmentDiscountQuantity is not null and (CommitmentDiscountId is null or ChargeCategory not in ('Usage', 'Purchase'))
