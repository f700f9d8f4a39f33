-- rule: FOCUS-1.2/ChargePeriod/start-before-end
-- severity: error
-- spec: ChargePeriodStart is inclusive and ChargePeriodEnd exclusive: the start MUST be before the end.
-- model: focus-validator 2.2.1 model-1.2.0.1 ChargePeriodEnd-C-004-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargePeriodStart >= ChargePeriodEnd
