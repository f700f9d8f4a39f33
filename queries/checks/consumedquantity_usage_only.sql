-- rule: FOCUS-1.2/ConsumedQuantity/usage-only
-- severity: error
-- spec: ConsumedQuantity MUST be null when ChargeCategory is not Usage, or when CommitmentDiscountStatus is Unused.
-- model: focus-validator 2.2.1 model-1.2.0.1 ConsumedQuantity-C-004-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ConsumedQuantity is not null and (ChargeCategory <> 'Usage' or CommitmentDiscountStatus = 'Unused')
