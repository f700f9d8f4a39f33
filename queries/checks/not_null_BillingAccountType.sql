-- rule: FOCUS-1.2/BillingAccountType/not-null
-- severity: error
-- spec: When BillingAccountType is present (supported: some rows carry it), it MUST NOT be null.
-- model: focus-validator 2.2.1 model-1.2.0.1 BillingAccountType-C-005-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input
where BillingAccountType is null
    and exists (select 1 from focus_check_input where BillingAccountType is not null)
