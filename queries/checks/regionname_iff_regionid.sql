-- rule: FOCUS-1.2/RegionName/null-iff-id
-- severity: error
-- spec: RegionName MUST be null if and only if RegionId is null.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where (RegionId is null) <> (RegionName is null)
