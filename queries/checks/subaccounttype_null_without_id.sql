-- rule: FOCUS-1.2/SubAccountType/null-without-id
-- severity: error
-- spec: SubAccountType MUST be null when SubAccountId is null.
-- model: focus-validator 2.2.1 model-1.2.0.1 SubAccountType-C-004-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where SubAccountId is null and SubAccountType is not null
