-- rule: FOCUS-1.2/columns/present
-- severity: error
-- spec: Every FOCUS 1.2 Cost and Usage column is present (ColumnHandling; Mandatory columns MUST be present, and this dataset carries every column).
-- model: focus-validator 2.2.1 model-1.2.0.1 CostAndUsage-D-*-M (one Presence rule per column)
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select e.column_name, e.data_type as expected_type
from check_expected_columns as e
left join check_actual_columns as a on a.column_name = e.column_name
where a.column_name is null
