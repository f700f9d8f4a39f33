-- rule: FOCUS-1.2/ResourceName-ResourceType/null-without-id
-- severity: error
-- spec: ResourceName MUST be null when ResourceId is null; ResourceType MUST be null when ResourceId is null.
-- model: focus-validator 2.2.1 model-1.2.0.1 ResourceName-C-004-C, ResourceName-C-005-C, ResourceType-C-004-C, ResourceType-C-005-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ResourceId is null and (ResourceName is not null or ResourceType is not null)
