-- Whether a schema.table exists in the open database.
select count(*) > 0 as present
from information_schema.tables
where table_schema = $schema and table_name = $table
