-- rule: FOCUS-1.2/ChargeFrequency/purchase-not-usage-based
-- severity: error
-- spec: ChargeFrequency MUST NOT be Usage-Based when ChargeCategory is Purchase.
-- model: focus-validator 2.2.1 model-1.2.0.1 ChargeFrequency-C-004-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargeCategory = 'Purchase' and ChargeFrequency = 'Usage-Based'
