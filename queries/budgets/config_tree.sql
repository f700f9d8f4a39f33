-- The newest recorded body of one config tree section ('budgets', 'allocation'): what the last
-- build ran with (written by the build into meta.config_trees).
select body
from meta.config_trees
where section = $section
order by recorded_at desc
limit 1
