-- rule: FOCUS-1.2/SkuPriceDetails/json-object
-- severity: error
-- spec: SkuPriceDetails MUST be a JSON object (KeyValueFormat) and MUST be null when SkuPriceId is null.
-- model: focus-validator 2.2.1 model-1.2.0.1 SkuPriceDetails-C-001-M, SkuPriceDetails-C-004-C, SkuPriceDetails-C-005-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where SkuPriceDetails is not null and (try(json_type(SkuPriceDetails::VARCHAR)) is distinct from 'OBJECT' or SkuPriceId is null)
