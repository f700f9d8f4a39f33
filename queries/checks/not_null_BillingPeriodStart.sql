-- rule: FOCUS-1.2/BillingPeriodStart/not-null
-- severity: error
-- spec: BillingPeriodStart MUST NOT be null.
-- model: focus-validator 2.2.1 model-1.2.0.1 BillingPeriodStart-C-003-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where BillingPeriodStart is null
