-- rule: FOCUS-1.2/PricingCurrency/format
-- severity: warning
-- spec: PricingCurrency SHOULD be an ISO 4217 code or a documented virtual currency.
-- model: focus-validator 2.2.1 model-1.2.0.1 PricingCurrency-C-003-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where PricingCurrency is not null and PricingCurrency not in (select code from check_iso4217)
