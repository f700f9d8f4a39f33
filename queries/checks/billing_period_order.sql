-- rule: FOCUS-1.2/BillingPeriod/start-before-end
-- severity: error
-- spec: BillingPeriodStart is inclusive and BillingPeriodEnd exclusive: the start MUST be before the end.
-- model: focus-validator 2.2.1 model-1.2.0.1 BillingPeriodEnd-C-004-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where BillingPeriodStart >= BillingPeriodEnd
