-- The virtual dimensions and billing periods in marts.cost_allocation.
select dimension, list(distinct x_billing_period order by x_billing_period desc) as periods
from marts.cost_allocation
group by dimension
order by dimension
