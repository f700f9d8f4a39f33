-- rule: FOCUS-1.2/columns/custom-prefix
-- severity: error
-- spec: Custom columns that are not defined by FOCUS MUST be prefixed with a consistent x_ prefix (ColumnHandling); the 1.3 columns this project already carries are allowed.
-- model: focus-validator 2.2.1 model-1.2.0.1 ColumnHandling-A-010-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select column_name, ordinal
from check_actual_columns
where column_name not in (select column_name from check_expected_columns)
    and not starts_with(column_name, 'x_')
    and column_name not in (select column_name from check_known_later_columns)
