-- rule: FOCUS-1.2/columns/custom-prefix
-- severity: error
-- spec: Custom columns are prefixed x_ and placed after the FOCUS columns (ColumnHandling).
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
with ordered as (
    select column_name, ordinal,
        column_name in (select column_name from check_expected_columns) as is_focus
    from check_actual_columns
)
select column_name, ordinal
from ordered
where (not is_focus and not starts_with(column_name, 'x_')
       and column_name not in (select column_name from check_known_later_columns))
   or (is_focus and ordinal > (select coalesce(min(ordinal), 1e9) from ordered where starts_with(column_name, 'x_')))
