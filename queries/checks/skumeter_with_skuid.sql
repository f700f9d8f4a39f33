-- rule: FOCUS-1.2/SkuMeter/set-with-sku
-- severity: warning
-- spec: SkuMeter MUST be null when SkuId is null and SHOULD NOT be null when SkuId is not null.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input
where (SkuId is null and SkuMeter is not null) or (SkuId is not null and SkuMeter is null)
