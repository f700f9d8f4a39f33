-- rule: FOCUS-1.2/ChargePeriodStart/not-null
-- severity: error
-- spec: ChargePeriodStart MUST NOT be null.
-- model: focus-validator 2.2.1 model-1.2.0.1 ChargePeriodStart-C-003-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargePeriodStart is null
