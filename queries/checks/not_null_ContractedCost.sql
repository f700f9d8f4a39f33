-- rule: FOCUS-1.2/ContractedCost/not-null
-- severity: error
-- spec: ContractedCost MUST NOT be null.
-- model: focus-validator 2.2.1 model-1.2.0.1 ContractedCost-C-003-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where ContractedCost is null
