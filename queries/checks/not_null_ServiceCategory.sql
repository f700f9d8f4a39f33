-- rule: FOCUS-1.2/ServiceCategory/not-null
-- severity: error
-- spec: ServiceCategory MUST NOT be null.
-- model: focus-validator 2.2.1 model-1.2.0.1 ServiceCategory-C-002-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ServiceCategory is null
