-- rule: FOCUS-1.2/SubAccountName/null-without-id
-- severity: error
-- spec: SubAccountName MUST be null when SubAccountId is null.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where SubAccountId is null and SubAccountName is not null
