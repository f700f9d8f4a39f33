-- rule: FOCUS-1.2/ChargeFrequency/not-null
-- severity: error
-- spec: ChargeFrequency MUST NOT be null.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargeFrequency is null
