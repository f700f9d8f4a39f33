-- rule: FOCUS-1.2/PricingQuantity/set-for-usage-purchase
-- severity: warning
-- spec: PricingQuantity MUST NOT be null for non-correction Usage and Purchase rows; PricingCategory, ListUnitPrice, ContractedUnitPrice, SkuId and SkuPriceId likewise when the provider supports them (the column carries a value on some row). Warning: unused-commitment rows are exempted, and the conditional columns depend on provider support.
-- model: focus-validator 2.2.1 model-1.2.0.1 PricingQuantity-C-005-C, PricingCategory-C-004-C, ListUnitPrice-C-005-C, ContractedUnitPrice-C-006-C, SkuId-C-005-C, SkuPriceId-C-005-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargeCategory in ('Usage', 'Purchase') and ChargeClass is null and coalesce(CommitmentDiscountStatus, '') <> 'Unused' and (
    PricingQuantity is null
    or (PricingCategory is null and exists (select 1 from focus_check_all where PricingCategory is not null))
    or (ListUnitPrice is null and exists (select 1 from focus_check_all where ListUnitPrice is not null))
    or (ContractedUnitPrice is null and exists (select 1 from focus_check_all where ContractedUnitPrice is not null))
    or (SkuId is null and exists (select 1 from focus_check_all where SkuId is not null))
    or (SkuPriceId is null and exists (select 1 from focus_check_all where SkuPriceId is not null))
)
