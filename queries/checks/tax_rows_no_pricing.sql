-- rule: FOCUS-1.2/Tax/no-pricing-columns
-- severity: error
-- spec: PricingCategory, ListUnitPrice, ContractedUnitPrice, PricingCurrencyListUnitPrice, PricingCurrencyContractedUnitPrice, PricingQuantity, SkuId and SkuPriceId MUST be null when ChargeCategory is Tax.
-- model: focus-validator 2.2.1 model-1.2.0.1 PricingCategory-C-003-C, ListUnitPrice-C-004-C, ContractedUnitPrice-C-005-C, PricingQuantity-C-004-C, SkuId-C-004-C, SkuPriceId-C-004-C, PricingCurrencyListUnitPrice-C-004-C, PricingCurrencyContractedUnitPrice-C-004-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargeCategory = 'Tax' and (PricingCategory is not null or ListUnitPrice is not null or ContractedUnitPrice is not null or PricingQuantity is not null or SkuId is not null or SkuPriceId is not null
    or PricingCurrencyListUnitPrice is not null or PricingCurrencyContractedUnitPrice is not null)
