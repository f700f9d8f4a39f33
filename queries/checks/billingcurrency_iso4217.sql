-- rule: FOCUS-1.2/BillingCurrency/iso-4217
-- severity: error
-- spec: BillingCurrency MUST be a national currency code per ISO 4217.
-- model: focus-validator 2.2.1 model-1.2.0.1 BillingCurrency-C-006-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where BillingCurrency not in (select code from check_iso4217)
