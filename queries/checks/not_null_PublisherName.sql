-- rule: FOCUS-1.2/PublisherName/not-null
-- severity: error
-- spec: PublisherName MUST NOT be null.
-- model: focus-validator 2.2.1 model-1.2.0.1 PublisherName-C-003-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where PublisherName is null
