-- rule: FOCUS-1.2/Tags/json-object
-- severity: error
-- spec: Tags MUST be a JSON object of key-value pairs (KeyValueFormat).
-- model: focus-validator 2.2.1 model-1.2.0.1 Tags-C-001-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where Tags is not null and (try(json_type(Tags::VARCHAR)) is distinct from 'OBJECT')
