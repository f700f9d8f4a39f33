-- rule: FOCUS-1.2/ResourceType/null-iff-id
-- severity: error
-- spec: ResourceType MUST be null if and only if ResourceId is null (when the provider assigns resource types: some rows carry one).
-- model: focus-validator 2.2.1 model-1.2.0.1 ResourceType-C-004-C, ResourceType-C-005-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input
where ResourceId is not null and ResourceType is null
    and exists (select 1 from focus_check_input where ResourceType is not null)
