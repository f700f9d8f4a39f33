-- rule: FOCUS-1.2/columns/data-type
-- severity: error
-- spec: Decimal columns hold decimal numbers, DateTime columns UTC timestamps, String and JSON columns text (DataTypes: Decimal, DateTime, String, JSON).
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select e.column_name, e.data_type as expected_type, a.data_type as actual_type
from check_expected_columns as e
join check_actual_columns as a on a.column_name = e.column_name
where not (
    (e.data_type = 'Decimal' and (a.data_type like 'DECIMAL%' or a.data_type in ('DOUBLE', 'FLOAT', 'HUGEINT')))
    or (e.data_type = 'DateTime' and a.data_type = 'TIMESTAMP WITH TIME ZONE')
    or (e.data_type = 'String' and a.data_type = 'VARCHAR')
    or (e.data_type = 'JSON' and a.data_type in ('JSON', 'VARCHAR'))
)
