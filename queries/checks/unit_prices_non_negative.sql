-- rule: FOCUS-1.2/UnitPrices/non-negative
-- severity: error
-- spec: ListUnitPrice and ContractedUnitPrice MUST be non-negative.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ListUnitPrice < 0 or ContractedUnitPrice < 0
