-- rule: FOCUS-1.2/RegionName/null-iff-id
-- severity: error
-- spec: RegionName MUST be null if and only if RegionId is null.
-- model: focus-validator 2.2.1 model-1.2.0.1 RegionName-C-004-C, RegionName-C-005-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where (RegionId is null) <> (RegionName is null)
