-- rule: FOCUS-1.2/ServiceSubcategory/not-null
-- severity: error
-- spec: ServiceSubcategory MUST NOT be null.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ServiceSubcategory is null
