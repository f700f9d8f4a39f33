-- rule: FOCUS-1.2/PricingCurrency/not-null
-- severity: error
-- spec: When PricingCurrency is present (supported: some rows carry it), it MUST NOT be null.
-- model: focus-validator 2.2.1 model-1.2.0.1 PricingCurrency-C-004-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input
where PricingCurrency is null
    and exists (select 1 from focus_check_input where PricingCurrency is not null)
