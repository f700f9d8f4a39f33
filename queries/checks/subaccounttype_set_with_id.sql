-- rule: FOCUS-1.2/SubAccountType/set-with-id
-- severity: error
-- spec: SubAccountType MUST NOT be null when SubAccountId is not null (when the provider has sub account types: some rows carry one).
-- model: focus-validator 2.2.1 model-1.2.0.1 SubAccountType-C-005-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input
where SubAccountId is not null and SubAccountType is null
    and exists (select 1 from focus_check_input where SubAccountType is not null)
