-- rule: FOCUS-1.2/SubAccountName/null-without-id
-- severity: error
-- spec: SubAccountName MUST be null when SubAccountId is null.
-- model: focus-validator 2.2.1 model-1.2.0.1 SubAccountName-C-004-C, SubAccountName-C-005-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where SubAccountId is null and SubAccountName is not null
