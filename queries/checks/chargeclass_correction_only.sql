-- rule: FOCUS-1.2/ChargeClass/values
-- severity: error
-- spec: ChargeClass MUST be null or Correction.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ChargeClass is not null and ChargeClass <> 'Correction'
