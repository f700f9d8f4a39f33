-- rule: FOCUS-1.2/Tags/json-object
-- severity: error
-- spec: Tags MUST be a JSON object of key-value pairs (KeyValueFormat).
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where Tags is not null and (try(json_type(Tags::VARCHAR)) is distinct from 'OBJECT')
