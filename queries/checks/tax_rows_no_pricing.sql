-- rule: FOCUS-1.2/Tax/no-pricing-columns
-- severity: error
-- spec: PricingCategory, ListUnitPrice, ContractedUnitPrice, PricingQuantity, SkuId and SkuPriceId MUST be null when ChargeCategory is Tax.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargeCategory = 'Tax' and (PricingCategory is not null or ListUnitPrice is not null or ContractedUnitPrice is not null or PricingQuantity is not null or SkuId is not null or SkuPriceId is not null)
