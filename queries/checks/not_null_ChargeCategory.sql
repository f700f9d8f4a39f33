-- rule: FOCUS-1.2/ChargeCategory/not-null
-- severity: error
-- spec: ChargeCategory MUST NOT be null.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargeCategory is null
