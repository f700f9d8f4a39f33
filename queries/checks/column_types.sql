-- rule: FOCUS-1.2/columns/data-type
-- severity: error
-- spec: Column data types (FOCUS 1.2 DataTypes): Decimal columns hold decimal numbers (DECIMAL, or DOUBLE as a non-integer numeric; never an integer type), DateTime columns UTC timestamps (TIMESTAMP WITH TIME ZONE), String columns VARCHAR, JSON columns JSON or VARCHAR text.
-- model: focus-validator 2.2.1 model-1.2.0.1 <Column>-C-001-M (one Type rule per column)
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select e.column_name, e.data_type as expected_type, a.data_type as actual_type
from check_expected_columns as e
join check_actual_columns as a on a.column_name = e.column_name
where not (
    (e.data_type = 'Decimal' and (a.data_type like 'DECIMAL%' or a.data_type = 'DOUBLE'))
    or (e.data_type = 'DateTime' and a.data_type = 'TIMESTAMP WITH TIME ZONE')
    or (e.data_type = 'String' and a.data_type = 'VARCHAR')
    or (e.data_type = 'JSON' and a.data_type in ('JSON', 'VARCHAR'))
)
