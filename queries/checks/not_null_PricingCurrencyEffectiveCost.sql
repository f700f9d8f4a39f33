-- rule: FOCUS-1.2/PricingCurrencyEffectiveCost/not-null
-- severity: error
-- spec: When PricingCurrencyEffectiveCost is present (supported: some rows carry it), it MUST NOT be null.
-- model: focus-validator 2.2.1 model-1.2.0.1 PricingCurrencyEffectiveCost-C-003-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input
where PricingCurrencyEffectiveCost is null
    and exists (select 1 from focus_check_input where PricingCurrencyEffectiveCost is not null)
