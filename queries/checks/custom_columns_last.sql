-- rule: FOCUS-1.2/columns/custom-order
-- severity: warning
-- spec: All FOCUS columns SHOULD be first in the dataset; custom (x_) columns SHOULD be listed after all FOCUS columns and SHOULD NOT be intermixed (ColumnHandling).
-- model: focus-validator 2.2.1 model-1.2.0.1 ColumnHandling-A-012-O, ColumnHandling-A-013-O
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select column_name, ordinal
from check_actual_columns
where column_name in (select column_name from check_expected_columns)
    and ordinal > (select coalesce(min(ordinal), 1e9) from check_actual_columns where starts_with(column_name, 'x_'))
