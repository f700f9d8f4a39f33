-- rule: FOCUS-1.2/PricingQuantity/set-for-usage-purchase
-- severity: warning
-- spec: PricingQuantity, PricingCategory, SkuId and SkuPriceId MUST NOT be null for non-correction Usage and Purchase rows (where the provider publishes unit prices).
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargeCategory in ('Usage', 'Purchase') and ChargeClass is null and coalesce(CommitmentDiscountStatus, '') <> 'Unused' and (PricingQuantity is null or PricingCategory is null)
