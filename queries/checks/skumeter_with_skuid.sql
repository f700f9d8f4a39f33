-- rule: FOCUS-1.2/SkuMeter/set-with-sku
-- severity: warning
-- spec: SkuMeter MUST be null when SkuId is null and SHOULD NOT be null when SkuId is not null.
-- model: focus-validator 2.2.1 model-1.2.0.1 SkuMeter-C-004-C, SkuMeter-C-005-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input
where (SkuId is null and SkuMeter is not null) or (SkuId is not null and SkuMeter is null)
