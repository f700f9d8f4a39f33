-- rule: FOCUS-1.2/ListCost/not-null
-- severity: error
-- spec: ListCost MUST NOT be null.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ListCost is null
