-- rule: FOCUS-1.2/UnitPrices/non-negative
-- severity: error
-- spec: ListUnitPrice, ContractedUnitPrice, PricingCurrencyListUnitPrice and PricingCurrencyContractedUnitPrice MUST be non-negative decimal values.
-- model: focus-validator 2.2.1 model-1.2.0.1 ListUnitPrice-C-008-M, ContractedUnitPrice-C-009-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ListUnitPrice < 0 or ContractedUnitPrice < 0
    or PricingCurrencyListUnitPrice < 0 or PricingCurrencyContractedUnitPrice < 0
