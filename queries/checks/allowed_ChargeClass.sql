-- rule: FOCUS-1.2/ChargeClass/allowed-values
-- severity: error
-- spec: ChargeClass MUST be one of the allowed values on every row (the official validator only checks that some row does).
-- model: focus-validator 2.2.1 model-1.2.0.1 ChargeClass-C-005-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input
where ChargeClass is not null
    and ChargeClass not in (select value from check_allowed_values where column_name = 'ChargeClass')
