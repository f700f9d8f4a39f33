-- The virtual dimensions built into marts.cost_allocation (budgets may filter on their values).
select distinct dimension
from marts.cost_allocation
order by dimension
