-- rule: FOCUS-1.2/ConsumedUnit/null-iff-quantity
-- severity: error
-- spec: ConsumedUnit MUST be null if and only if ConsumedQuantity is null.
-- model: focus-validator 2.2.1 model-1.2.0.1 ConsumedUnit-C-005-C, ConsumedUnit-C-006-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where (ConsumedQuantity is null) <> (ConsumedUnit is null)
